// RopNotify responses: what the client module appends to a session's MAPI
// response for each queue entry, byte for byte as MAPI clients parse them,
// and the decoder the tests and the consumer CLI read them back with.
//
// References (Microsoft Open Specifications):
//   [MS-OXCROPS] 2.2.14.2   RopNotify ROP (response buffer: RopId 0x2A,
//                           NotificationHandle, LogonId, NotificationData)
//   [MS-OXCNOTIF] 2.2.1.4.1 RopNotify ROP, 2.2.1.4.1.2 NotificationData
//                           Structure (the field list and when each is present)
//   [MS-OXCDATA] 2.2.1.1-2  Folder ID / Message ID: 8 bytes, ReplicaId (2)
//                           then GlobalCounter (6); as OpenChange holds them,
//                           one 64-bit value written little-endian.
#pragma once

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "store/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ocs::client_module {

// [MS-OXCROPS] 2.2.14.2.1: RopId of RopNotify.
inline constexpr std::uint8_t kRopNotifyId = 0x2A;

// NotificationFlags ([MS-OXCNOTIF] 2.2.1.4.1.2): the low 12 bits are the
// NotificationType (one fnev value, store::fnev), the high four say which
// optional fields follow.
namespace notification_flags {
inline constexpr std::uint16_t TypeMask = 0x0FFF;
inline constexpr std::uint16_t TotalCount = 0x1000;   // T: TotalMessageCount present
inline constexpr std::uint16_t UnreadCount = 0x2000;  // U: UnreadMessageCount present
inline constexpr std::uint16_t SearchFolder = 0x4000; // S: event in a search folder
inline constexpr std::uint16_t Message = 0x8000;      // M: the object is a message
} // namespace notification_flags

// TableEventType ([MS-OXCNOTIF] 2.2.1.4.1.2; the MAPI TABLE_* values).
enum class TableEvent : std::uint16_t {
    Changed = 0x0001,     // TABLE_CHANGED: re-read the table, no further fields
    RowAdded = 0x0003,    // TABLE_ROW_ADDED
    RowDeleted = 0x0004,  // TABLE_ROW_DELETED
    RowModified = 0x0005, // TABLE_ROW_MODIFIED
    RestrictDone = 0x0007 // TABLE_RESTRICT_DONE (decoded, never produced)
};

// One NotificationData value. Only the fields the flags (and, for a table
// notification, the table event) make present are written; the others keep
// their defaults and are ignored by the encoder.
struct NotificationData {
    std::uint16_t flags = 0; // NotificationFlags: type | T | U | S | M

    // TableModified (type 0x0100)
    TableEvent tableEvent = TableEvent::Changed;
    store::Fid tableRowFid = 0;
    store::Mid tableRowMid = 0;
    std::uint32_t tableRowInstance = 0;
    store::Fid insertAfterFid = 0;
    store::Mid insertAfterMid = 0;
    std::uint32_t insertAfterInstance = 0;
    std::string tableRowData; // a PropertyRow in the table's columns, as bytes (at most 65535 written)

    // every other type
    store::Fid fid = 0;
    store::Mid mid = 0;
    store::Fid parentFid = 0;
    store::Fid oldFid = 0;
    store::Mid oldMid = 0;
    store::Fid oldParentFid = 0;
    // ObjectCreated / ObjectModified: the changed property tags; nullopt is
    // TagCount 0xFFFF (no list given), an empty list is TagCount 0.
    std::optional<std::vector<std::uint32_t>> tags;
    std::uint32_t totalCount = 0;  // with the T flag
    std::uint32_t unreadCount = 0; // with the U flag

    // NewMail (type 0x0002)
    std::uint32_t messageFlags = 0; // PidTagMessageFlags
    bool unicode = true;            // UnicodeFlag: MessageClass in UTF-16LE
    std::string messageClass;       // UTF-8 here; on the wire per `unicode`, up to its first NUL

    std::uint16_t type() const { return flags & notification_flags::TypeMask; }
    bool isMessage() const { return (flags & notification_flags::Message) != 0; }

    bool operator==(const NotificationData& other) const;
    bool operator!=(const NotificationData& other) const { return !(*this == other); }
};

// One RopNotify response as read back.
struct DecodedNotify {
    std::uint32_t handle = 0;
    std::uint8_t logonId = 0;
    NotificationData data;

    bool operator==(const DecodedNotify& other) const
    {
        return handle == other.handle && logonId == other.logonId && data == other.data;
    }
    bool operator!=(const DecodedNotify& other) const { return !(*this == other); }
};

// `data` with only the fields its flags (and table event) make present, the
// others at their defaults, and MessageClass up to its first NUL: what
// decoding its encoding gives back (for a UTF-16 MessageClass, when it is
// valid UTF-8).
NotificationData presentFields(NotificationData data);

// The NotificationData bytes alone ([MS-OXCNOTIF] 2.2.1.4.1.2).
std::string encodeNotificationData(const NotificationData& data);

// One complete RopNotify response buffer ([MS-OXCROPS] 2.2.14.2.1):
// 0x2A, NotificationHandle (4 bytes LE), LogonId (1 byte), NotificationData.
std::string encodeRopNotify(std::uint32_t notificationHandle, std::uint8_t logonId, const NotificationData& data);

// The "missed events, re-read" signal: TableModified / TABLE_CHANGED, which
// is always a valid notification for a table and makes the client re-read it.
NotificationData tableChanged();

// What one subscription receives for one entry it wants (queue::wants() is
// true for the pair); possibly nothing (a copy out of a watched table's
// folder leaves that table as it was).
std::vector<NotificationData> notificationsFor(const store::QueueEntry& entry, const store::Subscription& subscription);

// Parses a concatenation of RopNotify responses. Truncation, another RopId,
// a NotificationType or TableEventType this module does not know, or a
// MessageClass without its terminator: InvalidParameter (field "ropNotify").
Result<std::vector<DecodedNotify>> decodeRopNotifies(ByteView wire);

// One line for people: type, object, hex ids, counts, message class.
std::string describe(const DecodedNotify& notify);

// One JSON object (ids as "0x…" strings: 64-bit values do not survive JSON
// numbers in most readers).
std::string toJson(const DecodedNotify& notify);

} // namespace ocs::client_module
