#include "store/records.hpp"

#include "common/binary.hpp"

#include <cstdio>

namespace ocs::store {
namespace {

constexpr std::uint8_t kVersion = 1;

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

BinaryWriter versioned()
{
    BinaryWriter out;
    out.u8(kVersion);
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

// Reads the version byte; false on anything but ours.
bool openRecord(BinaryReader& in)
{
    return in.u8() == kVersion;
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

std::string messageByUri(std::string_view user, std::string_view uri)
{
    return join({"m", user, uri});
}

std::string messageById(std::string_view user, Mid mid)
{
    return join({"M", user, hex16(mid)});
}

std::string counter()
{
    return "counter";
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
    BinaryWriter out = versioned();
    out.u32(static_cast<std::uint32_t>(subscriptions.size()));
    for (const Subscription& s : subscriptions) {
        out.string(s.session);
        out.u32(s.handle);
        out.u16(s.flags);
        out.u64(s.fid);
        out.u64(s.mid);
        out.u8(static_cast<std::uint8_t>(s.table));
    }
    return out.data();
}

Result<std::vector<Subscription>> decodeSubscriptions(std::string_view record, std::string_view key)
{
    BinaryReader in(record);
    const auto count = openRecord(in) ? in.u32() : std::nullopt;
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
        if (!session || !handle || !flags || !fid || !mid || !table || *table > 3)
            return corrupt(key);
        out.push_back({std::string(*session), *handle, *flags, *fid, *mid, static_cast<TableType>(*table)});
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
    BinaryWriter out = versioned();
    out.u64(e.sequence);
    out.u8(static_cast<std::uint8_t>(e.type));
    out.u8(static_cast<std::uint8_t>(e.kind));
    out.u64(e.fid);
    out.u64(e.parentFid);
    out.u64(e.mid);
    out.u64(e.oldFid);
    out.u64(e.oldMid);
    out.u64(e.oldParentFid);
    putOptional(out, e.messageFlags);
    putOptional(out, e.totalCount);
    putOptional(out, e.unreadCount);
    out.string(e.messageClass);
    out.string(e.producer);
    out.u64(static_cast<std::uint64_t>(e.timeMs));
    return out.data();
}

namespace {

// One entry from where `in` stands; false on a truncated or unknown one.
bool readEntry(BinaryReader& in, QueueEntry& e)
{
    const auto sequence = openRecord(in) ? in.u64() : std::nullopt;
    const auto type = in.u8();
    const auto kind = in.u8();
    const auto fid = in.u64();
    const auto parentFid = in.u64();
    const auto mid = in.u64();
    const auto oldFid = in.u64();
    const auto oldMid = in.u64();
    const auto oldParentFid = in.u64();
    if (!sequence || !type || *type > static_cast<std::uint8_t>(EventType::ObjectCopied) || !kind || *kind > 1 ||
        !fid || !parentFid || !mid || !oldFid || !oldMid || !oldParentFid)
        return false;
    if (!getOptional(in, e.messageFlags) || !getOptional(in, e.totalCount) || !getOptional(in, e.unreadCount))
        return false;
    const auto messageClass = in.string();
    const auto producer = in.string();
    const auto time = in.u64();
    if (!messageClass || !producer || !time)
        return false;
    e.sequence = *sequence;
    e.type = static_cast<EventType>(*type);
    e.kind = static_cast<ObjectKind>(*kind);
    e.fid = *fid;
    e.parentFid = *parentFid;
    e.mid = *mid;
    e.oldFid = *oldFid;
    e.oldMid = *oldMid;
    e.oldParentFid = *oldParentFid;
    e.messageClass = std::string(*messageClass);
    e.producer = std::string(*producer);
    e.timeMs = static_cast<std::int64_t>(*time);
    return true;
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
    BinaryReader in(record);
    std::vector<QueueEntry> run;
    do {
        QueueEntry e;
        if (!readEntry(in, e) || (!run.empty() && e.sequence != run.back().sequence + 1))
            return corrupt(key);
        run.push_back(std::move(e));
    } while (!in.atEnd());
    return run;
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
    BinaryWriter out = versioned();
    out.u8(changes.counter ? 1 : 0);
    out.u64(changes.counter.value_or(0));
    out.u32(static_cast<std::uint32_t>(changes.messages.size()));
    for (const IndexedMessage& message : changes.messages) {
        out.string(message.user);
        out.string(message.uri);
        out.u64(message.mid);
    }
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

Result<Changes> decodeChanges(std::string_view record)
{
    constexpr std::string_view kWhat = "journal record";
    BinaryReader in(record);
    Changes changes;
    if (!openRecord(in))
        return corrupt(kWhat);
    const std::uint8_t hasCounter = in.u8().value_or(2);
    const auto counter = in.u64();
    const auto messages = in.u32();
    if (hasCounter > 1 || !counter || !messages)
        return corrupt(kWhat);
    if (hasCounter == 1)
        changes.counter = *counter;
    for (std::uint32_t i = 0; i < *messages; ++i) {
        const auto user = in.string();
        const auto uri = in.string();
        const auto mid = in.u64();
        if (!user || !uri || !mid)
            return corrupt(kWhat);
        changes.messages.push_back({std::string(*user), std::string(*uri), *mid});
    }
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
