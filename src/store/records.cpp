#include "store/records.hpp"

#include "common/binary.hpp"

#include <cstdio>

namespace ocs::store {
namespace {

constexpr std::uint8_t kVersion = 1;
// Records whose layout changed when entries began to name messages by URI.
constexpr std::uint8_t kEntryVersion = 2;        // URIs in place of the daemon's MIDs, the old parent
constexpr std::uint8_t kSubscriptionVersion = 2; // the message URI of a message subscription
constexpr std::uint8_t kChangesVersion = 2;      // the duplicate window in place of the message index

std::string hex16(std::uint64_t value)
{
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

std::string join(std::initializer_list<std::string_view> parts)
{
    // Separators go between parts, also around an empty one.
    std::string out;
    bool first = true;
    for (std::string_view part : parts) {
        if (!first)
            out += keys::kSeparator;
        out += part;
        first = false;
    }
    return out;
}

std::string queueFields(const QueueKey& queue)
{
    return join({queue.user, hex16(queue.fid), std::string(1, static_cast<char>('0' + static_cast<int>(queue.table)))});
}

Error corrupt(std::string_view key)
{
    std::string printable(key);
    for (char& c : printable) {
        if (c == keys::kSeparator)
            c = '/';
    }
    return makeError(ErrorCode::InternalError, {}, "corrupt or unknown record " + printable);
}

BinaryWriter versioned(std::uint8_t version = kVersion)
{
    BinaryWriter out;
    out.u8(version);
    return out;
}

void putOptional(BinaryWriter& out, const std::optional<std::uint32_t>& value)
{
    out.u8(value ? 1 : 0);
    out.u32(value.value_or(0));
}

bool getOptional(BinaryReader& in, std::optional<std::uint32_t>& value)
{
    const auto present = in.u8();
    const auto number = in.u32();
    if (!present || !number || *present > 1)
        return false;
    value = *present ? std::optional<std::uint32_t>(*number) : std::nullopt;
    return true;
}

// Reads the version byte; false on anything but `version`.
bool openRecord(BinaryReader& in, std::uint8_t version = kVersion)
{
    return in.u8() == version;
}

} // namespace

namespace keys {

std::string binding(std::string_view backend, std::string_view backendUser)
{
    return join({"b", backend, backendUser});
}

std::string folderByUri(std::string_view user, std::string_view uri)
{
    return join({"f", user, uri});
}

std::string folderById(std::string_view user, Fid fid)
{
    return join({"F", user, hex16(fid)});
}

std::string subscriptions(std::string_view user)
{
    return join({"s", user});
}

std::string cursor(std::string_view session, const QueueKey& queue)
{
    return join({"c", session, queueFields(queue)});
}

std::string push(std::string_view session)
{
    return join({"p", session});
}

std::string pushHandleCounter()
{
    return "pushhandle";
}

std::string watchers(std::string_view session)
{
    return join({"w", session});
}

std::string generation(std::uint64_t number)
{
    return join({"d", hex16(number)});
}

std::string format()
{
    return "format";
}

bool isGeneration(std::string_view key)
{
    return key.size() == 18 && key[0] == 'd' && key[1] == kSeparator;
}

bool isFormat1MessageIndex(std::string_view key)
{
    return key == "counter" || (key.size() > 2 && (key[0] == 'm' || key[0] == 'M') && key[1] == kSeparator);
}

std::string format1MessageById(std::string_view user, Mid mid)
{
    return join({"M", user, hex16(mid)});
}

std::string journal()
{
    return "journal";
}

std::string queue(const QueueKey& queue)
{
    return join({"q", queueFields(queue)});
}

std::string entry(const QueueKey& queue, std::uint64_t sequence)
{
    return join({"e", queueFields(queue), hex16(sequence)});
}

bool parseQueue(std::string_view key, QueueKey& out)
{
    if (key.size() < 2 || (key[0] != 'q' && key[0] != 'e') || key[1] != kSeparator)
        return false;
    key.remove_prefix(2);
    const auto userEnd = key.find(kSeparator);
    if (userEnd == std::string_view::npos || key.size() < userEnd + 1 + 16 + 2)
        return false;
    out.user = std::string(key.substr(0, userEnd));
    out.fid = std::strtoull(std::string(key.substr(userEnd + 1, 16)).c_str(), nullptr, 16);
    const char table = key[userEnd + 18];
    if (key[userEnd + 17] != kSeparator || table < '0' || table > '3')
        return false;
    out.table = static_cast<TableType>(table - '0');
    return true;
}

} // namespace keys

std::string encodeBindings(const std::vector<BindingHolder>& holders)
{
    BinaryWriter out = versioned();
    out.u32(static_cast<std::uint32_t>(holders.size()));
    for (const BindingHolder& holder : holders) {
        out.string(holder.user);
        out.u32(holder.references);
    }
    return out.data();
}

Result<std::vector<BindingHolder>> decodeBindings(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto count = openRecord(in) ? in.u32() : std::nullopt;
    if (!count)
        return corrupt(key);
    std::vector<BindingHolder> holders;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto user = in.string();
        const auto references = in.u32();
        if (!user || !references)
            return corrupt(key);
        holders.push_back({std::string(*user), *references});
    }
    if (!in.atEnd())
        return corrupt(key);
    return holders;
}

std::string encodeSubscriptions(const std::vector<Subscription>& subscriptions)
{
    BinaryWriter out = versioned(kSubscriptionVersion);
    out.u32(static_cast<std::uint32_t>(subscriptions.size()));
    for (const Subscription& s : subscriptions) {
        out.string(s.session);
        out.u32(s.handle);
        out.u16(s.flags);
        out.u64(s.fid);
        out.u64(s.mid);
        out.u8(static_cast<std::uint8_t>(s.table));
        out.string(s.messageUri);
    }
    return out.data();
}

Result<std::vector<Subscription>> decodeSubscriptions(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    // Version 1 (before message URIs) is read too: registry.tdb is shared
    // with OpenChange processes that may still run an earlier module. Its
    // message subscriptions have no URI and want nothing until renewed.
    const auto version = in.u8();
    const auto count = version == kSubscriptionVersion || version == 1 ? in.u32() : std::nullopt;
    if (!count)
        return corrupt(key);
    std::vector<Subscription> out;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto session = in.string();
        const auto handle = in.u32();
        const auto flags = in.u16();
        const auto fid = in.u64();
        const auto mid = in.u64();
        const auto table = in.u8();
        const auto uri = version == kSubscriptionVersion ? in.string() : std::optional<std::string_view>("");
        if (!session || !handle || !flags || !fid || !mid || !table || *table > 3 || !uri)
            return corrupt(key);
        out.push_back(
            {std::string(*session), *handle, *flags, *fid, *mid, static_cast<TableType>(*table), std::string(*uri)});
    }
    if (!in.atEnd())
        return corrupt(key);
    return out;
}

std::string encodeNumber(std::uint64_t value)
{
    BinaryWriter out = versioned();
    out.u64(value);
    return out.data();
}

Result<std::uint64_t> decodeNumber(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto value = openRecord(in) ? in.u64() : std::nullopt;
    if (!value || !in.atEnd())
        return corrupt(key);
    return *value;
}

std::string encodeQueueState(const QueueState& state)
{
    BinaryWriter out = versioned();
    out.u64(state.first);
    out.u64(state.next);
    return out.data();
}

Result<QueueState> decodeQueueState(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto first = openRecord(in) ? in.u64() : std::nullopt;
    const auto next = in.u64();
    if (!first || !next || *first > *next || *first == 0 || !in.atEnd())
        return corrupt(key);
    return QueueState{*first, *next};
}

std::string encodeEntry(const QueueEntry& e)
{
    BinaryWriter out = versioned(kEntryVersion);
    out.u64(e.sequence);
    out.u8(static_cast<std::uint8_t>(e.type));
    out.u8(static_cast<std::uint8_t>(e.kind));
    out.u64(e.fid);
    out.u64(e.parentFid);
    out.u64(e.oldFid);
    out.u64(e.oldParentFid);
    out.string(e.messageUri);
    out.string(e.oldMessageUri);
    putOptional(out, e.messageFlags);
    putOptional(out, e.totalCount);
    putOptional(out, e.unreadCount);
    out.string(e.messageClass);
    out.string(e.producer);
    out.u64(static_cast<std::uint64_t>(e.timeMs));
    return out.data();
}

namespace {

bool validKind(std::optional<std::uint8_t> type, std::optional<std::uint8_t> kind)
{
    return type && *type <= static_cast<std::uint8_t>(EventType::ObjectCopied) && kind && *kind <= 1;
}

// What follows the ids in an entry, in both formats.
bool readEntryTail(BinaryReader& in, QueueEntry& e)
{
    if (!getOptional(in, e.messageFlags) || !getOptional(in, e.totalCount) || !getOptional(in, e.unreadCount))
        return false;
    const auto messageClass = in.string();
    const auto producer = in.string();
    const auto time = in.u64();
    if (!messageClass || !producer || !time)
        return false;
    e.messageClass = std::string(*messageClass);
    e.producer = std::string(*producer);
    e.timeMs = static_cast<std::int64_t>(*time);
    return true;
}

// What both formats begin an entry with: the version, the sequence, type
// and kind, the folder and its parent.
bool readEntryHead(BinaryReader& in, std::uint8_t version, QueueEntry& e)
{
    const auto sequence = openRecord(in, version) ? in.u64() : std::nullopt;
    const auto type = in.u8();
    const auto kind = in.u8();
    const auto fid = in.u64();
    const auto parentFid = in.u64();
    if (!sequence || !validKind(type, kind) || !fid || !parentFid)
        return false;
    e.sequence = *sequence;
    e.type = static_cast<EventType>(*type);
    e.kind = static_cast<ObjectKind>(*kind);
    e.fid = *fid;
    e.parentFid = *parentFid;
    return true;
}

// One entry from where `in` stands; false on a truncated or unknown one.
bool readEntry(BinaryReader& in, QueueEntry& e)
{
    if (!readEntryHead(in, kEntryVersion, e))
        return false;
    const auto oldFid = in.u64();
    const auto oldParentFid = in.u64();
    const auto uri = in.string();
    const auto oldUri = in.string();
    if (!oldFid || !oldParentFid || !uri || !oldUri)
        return false;
    e.oldFid = *oldFid;
    e.oldParentFid = *oldParentFid;
    e.messageUri = std::string(*uri);
    e.oldMessageUri = std::string(*oldUri);
    return readEntryTail(in, e);
}

// An entry of format 1: the daemon's MIDs where URIs now stand.
bool readFormat1Entry(BinaryReader& in, QueueEntry& e, const std::function<std::string(Mid)>& uriOf)
{
    if (!readEntryHead(in, kVersion, e))
        return false;
    const auto mid = in.u64();
    const auto oldFid = in.u64();
    const auto oldMid = in.u64();
    if (!mid || !oldFid || !oldMid)
        return false;
    e.oldFid = *oldFid;
    e.messageUri = *mid ? uriOf(*mid) : std::string();
    e.oldMessageUri = *oldMid ? uriOf(*oldMid) : std::string();
    return readEntryTail(in, e);
}

template <typename Read>
Result<std::vector<QueueEntry>> readRun(std::string_view record, std::string_view key, Read&& read)
{
    BinaryReader in(record);
    std::vector<QueueEntry> run;
    do {
        QueueEntry e;
        if (!read(in, e) || (!run.empty() && e.sequence != run.back().sequence + 1))
            return corrupt(key);
        run.push_back(std::move(e));
    } while (!in.atEnd());
    return run;
}

} // namespace

Result<QueueEntry> decodeEntry(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    QueueEntry e;
    if (!readEntry(in, e) || !in.atEnd())
        return corrupt(key);
    return e;
}

std::string encodeRun(const std::vector<QueueEntry>& run)
{
    std::string out;
    for (const QueueEntry& entry : run)
        out += encodeEntry(entry);
    return out;
}

Result<std::vector<QueueEntry>> decodeRun(std::string_view record, std::string_view key)
{
    return readRun(record, key, [](BinaryReader& in, QueueEntry& e) { return readEntry(in, e); });
}

Result<std::vector<QueueEntry>> decodeFormat1Run(std::string_view record, std::string_view key,
                                                 const std::function<std::string(Mid)>& uriOf)
{
    return readRun(record, key, [&](BinaryReader& in, QueueEntry& e) { return readFormat1Entry(in, e, uriOf); });
}

std::string encodeGeneration(const Generation& generation)
{
    BinaryWriter out = versioned();
    out.u64(static_cast<std::uint64_t>(generation.firstMs));
    out.u64(static_cast<std::uint64_t>(generation.lastMs));
    out.u32(static_cast<std::uint32_t>(generation.digests.size()));
    for (std::uint64_t digest : generation.digests)
        out.u64(digest);
    return out.data();
}

Result<Generation> decodeGeneration(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto first = openRecord(in) ? in.u64() : std::nullopt;
    const auto last = in.u64();
    const auto count = in.u32();
    if (!first || !last || !count || key.size() != 18)
        return corrupt(key);
    Generation generation;
    generation.number = std::strtoull(std::string(key.substr(2)).c_str(), nullptr, 16);
    generation.firstMs = static_cast<std::int64_t>(*first);
    generation.lastMs = static_cast<std::int64_t>(*last);
    generation.digests.reserve(*count);
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto digest = in.u64();
        if (!digest)
            return corrupt(key);
        generation.digests.push_back(*digest);
    }
    if (!in.atEnd())
        return corrupt(key);
    return generation;
}

std::string encodePush(const PushRegistration& push)
{
    BinaryWriter out = versioned();
    out.string(push.user);
    out.u32(push.handle);
    out.string(push.context);
    out.u8(push.family);
    out.u16(push.port);
    out.string(push.address);
    out.u8(push.armed ? 1 : 0);
    return out.data();
}

Result<PushRegistration> decodePush(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto user = openRecord(in) ? in.string() : std::nullopt;
    const auto handle = in.u32();
    const auto context = in.string();
    const auto family = in.u8();
    const auto port = in.u16();
    const auto address = in.string();
    const auto armed = in.u8();
    if (!user || !handle || !context || !family || !port || !address || !armed || !in.atEnd() ||
        (*family == 4 ? address->size() != 4 : *family != 6 || address->size() != 16) || *armed > 1)
        return corrupt(key);
    return PushRegistration{std::string(*user),    *handle,    std::string(*context), *family, *port,
                            std::string(*address), *armed == 1};
}

std::string encodeWatchers(const std::vector<std::string>& tokens)
{
    BinaryWriter out = versioned();
    out.u32(static_cast<std::uint32_t>(tokens.size()));
    for (const std::string& token : tokens)
        out.string(token);
    return out.data();
}

Result<std::vector<std::string>> decodeWatchers(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto count = openRecord(in) ? in.u32() : std::nullopt;
    if (!count)
        return corrupt(key);
    std::vector<std::string> tokens;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto token = in.string();
        if (!token)
            return corrupt(key);
        tokens.emplace_back(*token);
    }
    if (!in.atEnd())
        return corrupt(key);
    return tokens;
}

std::string encodePosition(const JournalPosition& position)
{
    BinaryWriter out = versioned();
    out.u64(position.segment);
    out.u64(position.offset);
    return out.data();
}

Result<JournalPosition> decodePosition(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto segment = openRecord(in) ? in.u64() : std::nullopt;
    const auto offset = in.u64();
    if (!segment || !offset || !in.atEnd())
        return corrupt(key);
    return JournalPosition{*segment, *offset};
}

std::string encodeChanges(const Changes& changes)
{
    BinaryWriter out = versioned(kChangesVersion);
    out.u64(changes.generation);
    out.u64(static_cast<std::uint64_t>(changes.seenMs));
    out.u32(static_cast<std::uint32_t>(changes.seen.size()));
    for (std::uint64_t digest : changes.seen)
        out.u64(digest);
    out.u32(static_cast<std::uint32_t>(changes.expired.size()));
    for (std::uint64_t number : changes.expired)
        out.u64(number);
    out.u32(static_cast<std::uint32_t>(changes.queues.size()));
    for (const auto& [queue, state] : changes.queues) {
        out.string(keys::queue(queue));
        out.u64(state.first);
        out.u64(state.next);
    }
    out.u32(static_cast<std::uint32_t>(changes.entries.size()));
    for (const auto& [queue, entry] : changes.entries) {
        out.string(keys::queue(queue));
        out.string(encodeEntry(entry));
    }
    return out.data();
}

namespace {

bool readNumbers(BinaryReader& in, std::vector<std::uint64_t>& out)
{
    const auto count = in.u32();
    if (!count)
        return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto value = in.u64();
        if (!value)
            return false;
        out.push_back(*value);
    }
    return true;
}

} // namespace

Result<Changes> decodeChanges(std::string_view record)
{
    constexpr std::string_view kWhat = "journal record";
    BinaryReader in(record);
    Changes changes;
    const auto version = in.u8();
    if (version == kVersion)
        return makeError(ErrorCode::InternalError, {},
                         "journal record written by a version that allocated message ids (before 0.2): start that "
                         "version once and stop it cleanly, so that it applies its journal, then upgrade");
    const auto generation = version == kChangesVersion ? in.u64() : std::nullopt;
    const auto seenMs = in.u64();
    if (!generation || !seenMs || !readNumbers(in, changes.seen) || !readNumbers(in, changes.expired))
        return corrupt(kWhat);
    changes.generation = *generation;
    changes.seenMs = static_cast<std::int64_t>(*seenMs);
    const auto queues = in.u32();
    if (!queues)
        return corrupt(kWhat);
    for (std::uint32_t i = 0; i < *queues; ++i) {
        const auto key = in.string();
        const auto first = in.u64();
        const auto next = in.u64();
        QueueKey queue;
        if (!key || !first || !next || *first == 0 || *first > *next || !keys::parseQueue(*key, queue))
            return corrupt(kWhat);
        changes.queues[queue] = QueueState{*first, *next};
    }
    const auto entries = in.u32();
    if (!entries)
        return corrupt(kWhat);
    for (std::uint32_t i = 0; i < *entries; ++i) {
        const auto key = in.string();
        const auto bytes = in.string();
        QueueKey queue;
        if (!key || !bytes || !keys::parseQueue(*key, queue))
            return corrupt(kWhat);
        auto entry = decodeEntry(*bytes, kWhat);
        if (!entry)
            return entry.error();
        changes.entries.emplace_back(std::move(queue), std::move(*entry));
    }
    if (!in.atEnd())
        return corrupt(kWhat);
    return changes;
}

} // namespace ocs::store
