#include "client_module/indexing_tdb.hpp"

#include <sys/stat.h>
#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace ocs::client_module {
namespace {

constexpr std::string_view kCounterKey = "GlobalCount";
constexpr std::string_view kSoftDeletedTag = "SOFT_DELETED:";
constexpr std::uint16_t kReplicaId = 1; // OpenChange's ids all carry replica id 1
constexpr std::uint64_t kFirstCounter = 1;
constexpr std::size_t kMaxNameLength = 255;

// "0x%.16" PRIx64: the key of an id's record, and the text of GlobalCount.
std::string hexText(std::uint64_t value)
{
    char text[19];
    std::snprintf(text, sizeof text, "0x%.16" PRIx64, value);
    return text;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// "0x" and 1 to 16 hex digits; what OpenChange writes is always 16.
std::optional<std::uint64_t> parseHex(std::string_view text)
{
    if (text.size() < 3 || text.size() > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text.substr(2)) {
        const int digit = hexDigit(c);
        if (digit < 0)
            return std::nullopt;
        value = (value << 4) | static_cast<std::uint64_t>(digit);
    }
    return value;
}

// The id a live record's key names; nullopt for GlobalCount, soft-deleted
// records and anything OpenChange does not write.
std::optional<store::Mid> liveId(std::string_view key)
{
    return parseHex(key);
}

// Any registered id, soft-deleted ones included: their counters are taken.
std::optional<store::Mid> registeredId(std::string_view key)
{
    if (key.substr(0, kSoftDeletedTag.size()) == kSoftDeletedTag)
        key.remove_prefix(kSoftDeletedTag.size());
    return parseHex(key);
}

// OpenChange's URI comparison ignores one trailing '/' on either side
// (tdb_record_get_fmid and tdb_get_fid_traverse).
std::string_view comparable(std::string_view uri)
{
    if (!uri.empty() && uri.back() == '/')
        uri.remove_suffix(1);
    return uri;
}

bool safeComponent(const std::string& name)
{
    return !name.empty() && name.size() <= kMaxNameLength && name != "." && name != ".." &&
           name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

Status checkUser(const std::string& user)
{
    if (safeComponent(user))
        return {};
    return makeError(ErrorCode::InvalidParameter, "user",
                     "an OpenChange user name must be one path component (not empty, '.', '..', no '/' or NUL, "
                     "at most 255 bytes)");
}

// OpenChange keeps URIs as C strings.
Status checkUri(const std::string& uri)
{
    if (!uri.empty() && uri.find('\0') == std::string::npos)
        return {};
    return makeError(ErrorCode::InvalidParameter, "uri", "a message URI must be non-empty and contain no NUL byte");
}

Error fileError(const std::filesystem::path& path, const std::string& what)
{
    return makeError(ErrorCode::InternalError, {}, path.string() + ": " + what);
}

std::string errnoText(int error)
{
    return std::string(std::strerror(error)) + " (errno " + std::to_string(error) + ")";
}

} // namespace

// The lookups of one URI (after the trailing-slash rule), in the order the
// URI first appears: allocations follow the drain's order.
struct IndexingTdbResolver::Group {
    std::string uri; // as the first lookup gave it: what a new record holds
    std::vector<std::size_t> lookups;
    bool allocate = false;
    std::optional<store::Mid> mid;
};

Result<std::unique_ptr<IndexingTdbResolver>> IndexingTdbResolver::open(const std::filesystem::path& mapistoreDirectory)
{
    std::error_code error;
    if (!std::filesystem::is_directory(mapistoreDirectory, error))
        return fileError(mapistoreDirectory, "not a directory" + (error ? ": " + error.message() : std::string()) +
                                                 " (OpenChange's mapistore directory, <private dir>/mapistore)");
    return std::unique_ptr<IndexingTdbResolver>(new IndexingTdbResolver(mapistoreDirectory));
}

Result<store::TdbFile*> IndexingTdbResolver::file(const std::string& user, bool create)
{
    if (auto open = files_.find(user); open != files_.end())
        return &open->second;
    const std::filesystem::path userDirectory = directory_ / user;
    const std::filesystem::path path = userDirectory / "indexing.tdb";
    if (!create) {
        struct stat status {};
        if (::stat(path.c_str(), &status) != 0) {
            const int error = errno;
            if (error == ENOENT || error == ENOTDIR)
                return static_cast<store::TdbFile*>(nullptr);
            return fileError(path, "cannot stat: " + errnoText(error));
        }
    } else if (::mkdir(userDirectory.c_str(), 0700) != 0 && errno != EEXIST) {
        const int error = errno;
        return fileError(userDirectory, "cannot create the user's mapistore directory: " + errnoText(error));
    }
    // As mapistore_indexing_tdb_init opens it: default hash size, no flags.
    auto opened = store::TdbFile::open(path, TDB_DEFAULT, create ? O_RDWR | O_CREAT : O_RDWR, 0600);
    if (!opened)
        return opened.error();
    return &files_.emplace(user, std::move(*opened)).first->second;
}

Status IndexingTdbResolver::resolve(const std::string& user, std::vector<MessageLookup>& lookups)
{
    if (Status valid = checkUser(user); !valid)
        return valid;
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> groupOf; // comparable URI -> group
    for (std::size_t i = 0; i < lookups.size(); ++i) {
        if (Status valid = checkUri(lookups[i].uri); !valid)
            return valid;
        lookups[i].mid.reset();
        const std::string key(comparable(lookups[i].uri));
        auto [found, added] = groupOf.emplace(key, groups.size());
        if (added)
            groups.push_back(Group{lookups[i].uri, {}, false, std::nullopt});
        Group& group = groups[found->second];
        group.lookups.push_back(i);
        group.allocate = group.allocate || lookups[i].allocate;
    }
    if (groups.empty())
        return {};

    const std::lock_guard<std::mutex> lock(mutex_);
    auto index = file(user, false);
    if (!index)
        return index.error();
    if (*index != nullptr) {
        std::size_t unanswered = groups.size();
        Status walked = (*index)->traverse([&](std::string_view key, std::string_view value) {
            const std::optional<store::Mid> id = liveId(key);
            if (!id)
                return true;
            const auto match = groupOf.find(std::string(comparable(value)));
            if (match == groupOf.end() || groups[match->second].mid)
                return true;
            groups[match->second].mid = *id; // the first match, as OpenChange's walk takes it
            return --unanswered > 0;
        });
        if (!walked)
            return walked;
    }

    const bool allocating =
        std::any_of(groups.begin(), groups.end(), [](const Group& group) { return group.allocate && !group.mid; });
    if (allocating) {
        index = file(user, true);
        if (!index)
            return index.error();
        if (Status allocated = allocate(**index, groups); !allocated)
            return allocated;
    }
    for (const Group& group : groups)
        for (std::size_t i : group.lookups)
            lookups[i].mid = group.mid;
    return {};
}

Status IndexingTdbResolver::allocate(store::TdbFile& index, std::vector<Group>& groups)
{
    std::unordered_map<std::string, std::size_t> wanted; // comparable URI -> group, still without an id
    for (std::size_t g = 0; g < groups.size(); ++g)
        if (groups[g].allocate && !groups[g].mid)
            wanted.emplace(std::string(comparable(groups[g].uri)), g);

    std::vector<std::optional<store::Mid>> answers; // by group, as the committed transaction left them
    Status committed = index.transact([&]() -> Status {
        // transact() may run this again after a lock conflict: start afresh.
        answers.assign(groups.size(), std::nullopt);
        std::uint64_t highest = 0;
        Status walked = index.traverse([&](std::string_view key, std::string_view value) {
            if (const std::optional<store::Mid> id = registeredId(key); id && store::replicaIdOf(*id) == kReplicaId)
                highest = std::max(highest, store::globalCounterOf(*id));
            const std::optional<store::Mid> id = liveId(key);
            if (!id)
                return true;
            const auto match = wanted.find(std::string(comparable(value)));
            if (match != wanted.end() && !answers[match->second])
                answers[match->second] = *id; // registered since our first walk
            return true;
        });
        if (!walked)
            return walked;

        auto stored = index.fetch(kCounterKey);
        if (!stored)
            return stored.error();
        std::uint64_t next = kFirstCounter;
        if (*stored && !(*stored)->empty()) {
            const std::optional<std::uint64_t> counter = parseHex(**stored);
            if (!counter)
                return fileError(index.path(), "GlobalCount holds '" + **stored + "', not a counter in hexadecimal");
            next = std::max(next, *counter);
        }
        next = std::max(next, highest + 1);

        bool allocated = false;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            if (!groups[g].allocate || groups[g].mid || answers[g])
                continue;
            if (next > store::kMaxGlobalCounter)
                return fileError(index.path(), "the id counter is exhausted");
            const store::Mid id = store::makeMapiId(next++, kReplicaId);
            if (Status inserted = index.store(hexText(id), groups[g].uri, store::TdbFile::StoreMode::Insert); !inserted)
                return inserted;
            answers[g] = id;
            allocated = true;
        }
        if (!allocated)
            return {};
        return index.store(kCounterKey, hexText(next), store::TdbFile::StoreMode::Replace);
    });
    if (!committed)
        return committed;
    for (std::size_t g = 0; g < groups.size(); ++g)
        if (answers[g])
            groups[g].mid = answers[g];
    return {};
}

Result<std::optional<std::string>> IndexingTdbResolver::messageUri(const std::string& user, store::Mid mid)
{
    if (Status valid = checkUser(user); !valid)
        return valid.error();
    if (mid == 0)
        return std::optional<std::string>();
    const std::lock_guard<std::mutex> lock(mutex_);
    auto index = file(user, false);
    if (!index)
        return index.error();
    if (*index == nullptr)
        return std::optional<std::string>();
    // Only the live key: a soft-deleted record names a deleted message.
    return (*index)->fetch(hexText(mid));
}

} // namespace ocs::client_module
