#include "support/openchange_emulation.hpp"

#include <sys/stat.h>
#include <sys/types.h>
#include <fcntl.h>
#include <tdb.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace ocs::test::openchange {
namespace {

const char* const kSoftDeletedTag = "SOFT_DELETED:";

// libmapi's exchange_globcnt: the 48-bit counter with its 6 bytes reversed.
std::uint64_t exchangeGlobcnt(std::uint64_t globcnt)
{
    return (globcnt & 0x00000000000000ffULL) << 40 | (globcnt & 0x000000000000ff00ULL) << 24 |
           (globcnt & 0x0000000000ff0000ULL) << 8 | (globcnt & 0x00000000ff000000ULL) >> 8 |
           (globcnt & 0x000000ff00000000ULL) >> 24 | (globcnt & 0x0000ff0000000000ULL) >> 40;
}

std::string idKey(std::uint64_t id)
{
    char text[40];
    std::snprintf(text, sizeof text, "0x%.16" PRIx64, id);
    return text;
}

TDB_DATA datum(const std::string& bytes)
{
    return TDB_DATA{reinterpret_cast<unsigned char*>(const_cast<char*>(bytes.data())), bytes.size()};
}

std::string text(const TDB_DATA& data)
{
    return std::string(reinterpret_cast<const char*>(data.dptr), data.dsize);
}

// What mapistore_indexing_tdb_init does on each first use: the user's
// directory (mkdir 0700, errors ignored) and the file, default hash size,
// no flags, O_RDWR|O_CREAT, 0600.
class Index {
  public:
    Index(const std::filesystem::path& mapistoreDirectory, const std::string& user)
    {
        const std::string directory = (mapistoreDirectory / user).string();
        ::mkdir(directory.c_str(), 0700);
        path_ = directory + "/indexing.tdb";
        tdb_ = tdb_open(path_.c_str(), 0, 0, O_RDWR | O_CREAT, 0600);
        if (tdb_ == nullptr)
            throw std::runtime_error(path_ + ": tdb_open: " + std::strerror(errno));
    }
    ~Index() { tdb_close(tdb_); }
    Index(const Index&) = delete;
    Index& operator=(const Index&) = delete;

    tdb_context* tdb() const { return tdb_; }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::runtime_error(path_ + ": " + what + ": " + tdb_errorstr(tdb_));
    }

    bool exists(const std::string& key) const { return tdb_exists(tdb_, datum(key)) != 0; }

    std::optional<std::string> fetch(const std::string& key) const
    {
        TDB_DATA found = tdb_fetch(tdb_, datum(key));
        if (found.dptr == nullptr)
            return std::nullopt;
        std::string value = text(found);
        std::free(found.dptr);
        return value;
    }

    // tdb_record_allocate_fmid: read GlobalCount (absent or empty: 1), store
    // it plus one, no transaction.
    std::uint64_t allocateCounter()
    {
        const std::optional<std::string> stored = fetch("GlobalCount");
        std::uint64_t counter = 1;
        if (stored && !stored->empty())
            counter = std::strtoull(stored->c_str(), nullptr, 16);
        const std::string next = idKey(counter + 1);
        if (tdb_store(tdb_, datum("GlobalCount"), datum(next), TDB_REPLACE) != 0)
            fail("store GlobalCount");
        return counter;
    }

    // mapistore_indexing_get_new_folderID_as_user
    std::uint64_t newId() { return exchangeGlobcnt(allocateCounter()) << 16 | 0x0001; }

    // tdb_record_add: refused when the id has a record, live or soft-deleted.
    void add(std::uint64_t id, const std::string& uri)
    {
        if (exists(idKey(id)) || exists(kSoftDeletedTag + idKey(id)))
            throw std::runtime_error(path_ + ": " + idKey(id) + " is already registered (MAPISTORE_ERR_EXIST)");
        if (tdb_store(tdb_, datum(idKey(id)), datum(uri), TDB_INSERT) != 0)
            fail("store " + idKey(id));
    }

    // tdb_record_get_fmid with partial = false.
    std::optional<std::uint64_t> findUri(const std::string& uri) const
    {
        struct Search {
            std::string uri;
            std::optional<std::uint64_t> id;
        } search{withoutTrailingSlash(uri), std::nullopt};
        auto visit = [](tdb_context*, TDB_DATA key, TDB_DATA value, void* state) -> int {
            auto& found = *static_cast<Search*>(state);
            if (withoutTrailingSlash(text(value)) != found.uri)
                return 0;
            found.id = std::strtoull(text(key).c_str(), nullptr, 16);
            return 1;
        };
        if (tdb_traverse_read(tdb_, visit, &search) < 0)
            fail("traverse");
        return search.id;
    }

    std::vector<std::string> keys() const
    {
        std::vector<std::string> found;
        auto visit = [](tdb_context*, TDB_DATA key, TDB_DATA, void* state) -> int {
            static_cast<std::vector<std::string>*>(state)->push_back(text(key));
            return 0;
        };
        if (tdb_traverse_read(tdb_, visit, &found) < 0)
            fail("traverse");
        return found;
    }

  private:
    static std::string withoutTrailingSlash(std::string uri)
    {
        if (!uri.empty() && uri.back() == '/')
            uri.pop_back();
        return uri;
    }

    std::string path_;
    tdb_context* tdb_ = nullptr;
};

} // namespace

Mailbox provisionMailbox(const std::filesystem::path& mapistoreDirectory, const std::string& user,
                         const std::vector<std::string>& folderUris)
{
    Index index(mapistoreDirectory, user);
    Mailbox mailbox;
    mailbox.root = index.newId();
    for (const std::string& uri : folderUris) {
        const std::uint64_t fid = index.newId();
        index.add(fid, uri);
        mailbox.fids[uri] = fid;
    }
    return mailbox;
}

std::map<std::string, std::uint64_t> listFolder(const std::filesystem::path& mapistoreDirectory,
                                                const std::string& user, const std::string& folderUri,
                                                const std::vector<std::string>& childKeys)
{
    Index index(mapistoreDirectory, user);
    std::map<std::string, std::uint64_t> children;
    std::vector<std::string> missing;
    for (const std::string& key : childKeys) {
        const std::string uri = folderUri + key;
        if (const std::optional<std::uint64_t> id = index.findUri(uri))
            children[uri] = *id;
        else if (std::find(missing.begin(), missing.end(), uri) == missing.end())
            missing.push_back(uri);
    }
    // getNewFMIDs: takes every id first, then registerURLs:withIDs:.
    std::vector<std::uint64_t> ids;
    for (std::size_t i = 0; i < missing.size(); ++i)
        ids.push_back(index.newId());
    for (std::size_t i = 0; i < missing.size(); ++i) {
        index.add(ids[i], missing[i]);
        children[missing[i]] = ids[i];
    }
    return children;
}

std::optional<std::string> openMessage(const std::filesystem::path& mapistoreDirectory, const std::string& user,
                                       std::uint64_t mid)
{
    Index index(mapistoreDirectory, user);
    if (std::optional<std::string> uri = index.fetch(idKey(mid)))
        return uri;
    return index.fetch(kSoftDeletedTag + idKey(mid));
}

std::optional<std::uint64_t> messageId(const std::filesystem::path& mapistoreDirectory, const std::string& user,
                                       const std::string& uri, bool allocate)
{
    Index index(mapistoreDirectory, user);
    if (std::optional<std::uint64_t> id = index.findUri(uri))
        return id;
    if (!allocate)
        return std::nullopt;
    const std::uint64_t id = index.newId();
    index.add(id, uri);
    return id;
}

std::vector<std::uint64_t> allocatedIds(const std::filesystem::path& mapistoreDirectory, const std::string& user)
{
    Index index(mapistoreDirectory, user);
    const std::string tag = kSoftDeletedTag;
    std::vector<std::uint64_t> ids;
    for (std::string key : index.keys()) {
        if (key.compare(0, tag.size(), tag) == 0)
            key.erase(0, tag.size());
        if (key.compare(0, 2, "0x") == 0)
            ids.push_back(std::strtoull(key.c_str(), nullptr, 16));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

void softDelete(const std::filesystem::path& mapistoreDirectory, const std::string& user, std::uint64_t mid)
{
    Index index(mapistoreDirectory, user);
    const std::string live = idKey(mid);
    const std::string deleted = kSoftDeletedTag + live;
    if (index.exists(deleted))
        return;
    const std::optional<std::string> uri = index.fetch(live);
    if (!uri)
        throw std::runtime_error(live + " has no record to soft-delete");
    if (tdb_store(index.tdb(), datum(deleted), datum(*uri), TDB_INSERT) != 0)
        index.fail("store " + deleted);
    if (tdb_delete(index.tdb(), datum(live)) != 0)
        index.fail("delete " + live);
}

} // namespace ocs::test::openchange
