// The notification state, as the daemon and the client module share it:
// bindings, folder and message ids, subscriptions, queues and their entries.
#pragma once

#include "common/event_type.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

namespace ocs::store {

using Fid = std::uint64_t;
using Mid = std::uint64_t;

// MAPI ids (MS-OXCDATA 2.2.1.1-2): a 16-bit replica id and a 48-bit global
// counter, which OpenChange keeps in one 64-bit value as
// (byte-swapped counter << 16) | replica id.
Mid makeMapiId(std::uint64_t globalCounter, std::uint16_t replicaId);
std::uint64_t globalCounterOf(Mid id);
std::uint16_t replicaIdOf(Mid id);
inline constexpr std::uint64_t kMaxGlobalCounter = (std::uint64_t{1} << 48) - 1;

enum class ObjectKind : std::uint8_t { Message = 0, Folder = 1 };

// The table a subscription watches (RopRegisterNotification on a table, or
// none for an object or the whole store).
enum class TableType : std::uint8_t { None = 0, Hierarchy = 1, Contents = 2, AssociatedContents = 3 };

// Notification type bits (MS-OXCNOTIF 2.2.1.1.1, fnev*).
namespace fnev {
inline constexpr std::uint16_t NewMail = 0x0002;
inline constexpr std::uint16_t ObjectCreated = 0x0004;
inline constexpr std::uint16_t ObjectDeleted = 0x0008;
inline constexpr std::uint16_t ObjectModified = 0x0010;
inline constexpr std::uint16_t ObjectMoved = 0x0020;
inline constexpr std::uint16_t ObjectCopied = 0x0040;
inline constexpr std::uint16_t TableModified = 0x0100;
} // namespace fnev

// The fnev bit of an event of this type.
std::uint16_t fnevOf(EventType type);

// One RopRegisterNotification of one MAPI session.
struct Subscription {
    std::string session;     // the consuming session's id
    std::uint32_t handle = 0; // the notification handle answered to the client
    std::uint16_t flags = 0;  // fnev* bits wanted
    Fid fid = 0;              // 0: the whole store
    Mid mid = 0;              // non-zero: one message of folder fid
    TableType table = TableType::None;

    bool operator==(const Subscription& other) const
    {
        return std::tie(session, handle, flags, fid, mid, table) ==
               std::tie(other.session, other.handle, other.flags, other.fid, other.mid, other.table);
    }
};

// A queue: one per (OpenChange user, folder or whole store, table).
struct QueueKey {
    std::string user;
    Fid fid = 0; // 0: the whole store
    TableType table = TableType::None;

    bool operator<(const QueueKey& other) const
    {
        return std::tie(user, fid, table) < std::tie(other.user, other.fid, other.table);
    }
    bool operator==(const QueueKey& other) const
    {
        return user == other.user && fid == other.fid && table == other.table;
    }
};

// The subscription's queue.
QueueKey queueOf(const std::string& user, const Subscription& subscription);

// One event as a queue holds it.
struct QueueEntry {
    std::uint64_t sequence = 0; // per queue, from 1, no gaps
    EventType type = EventType::NewMail;
    ObjectKind kind = ObjectKind::Message;
    Fid fid = 0;       // the folder the event happened in (a folder event: the folder itself)
    Fid parentFid = 0; // a folder event: its parent, when known
    Mid mid = 0;       // a message event: the message
    Fid oldFid = 0;    // moves and copies: where the object was
    Mid oldMid = 0;
    Fid oldParentFid = 0; // folder moves and copies: the old parent, when known
    std::optional<std::uint32_t> messageFlags;
    std::optional<std::uint32_t> totalCount;
    std::optional<std::uint32_t> unreadCount;
    std::string messageClass;
    std::string producer;     // the account that reported the event
    std::int64_t timeMs = 0;  // when it was queued, ms since 1970 (UTC)

    bool operator==(const QueueEntry& other) const
    {
        return std::tie(sequence, type, kind, fid, parentFid, mid, oldFid, oldMid, oldParentFid, messageFlags,
                        totalCount, unreadCount, messageClass, producer, timeMs) ==
               std::tie(other.sequence, other.type, other.kind, other.fid, other.parentFid, other.mid, other.oldFid,
                        other.oldMid, other.oldParentFid, other.messageFlags, other.totalCount, other.unreadCount,
                        other.messageClass, other.producer, other.timeMs);
    }
};

// Entries [first, next) are retained; next - 1 is the newest sequence.
struct QueueState {
    std::uint64_t first = 1;
    std::uint64_t next = 1;
    bool empty() const { return first == next; }
    bool operator==(const QueueState& other) const { return first == other.first && next == other.next; }
};

} // namespace ocs::store
