#include "client_module/rop_notify.hpp"

#include "common/text.hpp"
#include "queue/matching.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string_view>

namespace ocs::client_module {

using store::ObjectKind;
using store::TableType;
namespace flag = notification_flags;

bool NotificationData::operator==(const NotificationData& o) const
{
    return flags == o.flags && tableEvent == o.tableEvent && tableRowFid == o.tableRowFid &&
           tableRowMid == o.tableRowMid && tableRowInstance == o.tableRowInstance &&
           insertAfterFid == o.insertAfterFid && insertAfterMid == o.insertAfterMid &&
           insertAfterInstance == o.insertAfterInstance && tableRowData == o.tableRowData && fid == o.fid &&
           mid == o.mid && parentFid == o.parentFid && oldFid == o.oldFid && oldMid == o.oldMid &&
           oldParentFid == o.oldParentFid && tags == o.tags && totalCount == o.totalCount &&
           unreadCount == o.unreadCount && messageFlags == o.messageFlags && unicode == o.unicode &&
           messageClass == o.messageClass;
}

namespace {

std::string hex(std::uint64_t value, int digits)
{
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%0*" PRIX64, digits, value);
    return buffer;
}

// --- which fields a NotificationData carries ----------------------------------
//
// [MS-OXCNOTIF] 2.2.1.4.1.2 gives, per field, the condition under which it is
// present. The search service could return the structure's field list and the
// NotificationFlags table but not the per-field prose, so the conditions below
// are those of Microsoft's own parsers of this structure (the Exchange
// protocol test suites' RopNotifyResponse.Deserialize and MAPI Inspector's
// NotificationData.Parse), cross-checked against OpenChange's exchange.idl
// (Notify_repl and its NotificationData union), which agree case by case.
// Encoder and decoder share this one table, so what one writes the other reads.
struct Presence {
    bool tableEvent = false;     // TableEventType: type TableModified
    bool tableRowFid = false;    // TableRowFolderID: row added/deleted/modified
    bool tableRowMid = false;    // TableRowMessageID, TableRowInstance: ...and M
    bool insertAfterFid = false; // InsertAfterTableRowFolderID: row added/modified
    bool insertAfterMid = false; // InsertAfterTableRowID, ...Instance: ...and M
    bool tableRowData = false;   // TableRowDataSize, TableRowData: row added/modified
    bool fid = false;            // FolderId: any type but TableModified
    bool mid = false;            // MessageId: ...and M
    bool parentFid = false;      // ParentFolderId: created/deleted/moved/copied, S == M
    bool oldFid = false;         // OldFolderId: moved/copied
    bool oldMid = false;         // OldMessageId: moved/copied and M
    bool oldParentFid = false;   // OldParentFolderId: moved/copied, not M
    bool tags = false;           // TagCount (+ Tags unless 0 or 0xFFFF): created/modified
    bool totalCount = false;     // TotalMessageCount: T
    bool unreadCount = false;    // UnreadMessageCount: U
    bool newMail = false;        // MessageFlags, UnicodeFlag, MessageClass: NewMail
};

Presence presenceOf(std::uint16_t flags, TableEvent event)
{
    const std::uint16_t type = flags & flag::TypeMask;
    const bool message = (flags & flag::Message) != 0;
    const bool search = (flags & flag::SearchFolder) != 0;
    const bool table = type == store::fnev::TableModified;
    const bool row =
        table && (event == TableEvent::RowAdded || event == TableEvent::RowDeleted || event == TableEvent::RowModified);
    const bool positioned = table && (event == TableEvent::RowAdded || event == TableEvent::RowModified);
    const bool moveOrCopy = type == store::fnev::ObjectMoved || type == store::fnev::ObjectCopied;

    Presence p;
    p.tableEvent = table;
    p.tableRowFid = row;
    p.tableRowMid = row && message;
    p.insertAfterFid = positioned;
    p.insertAfterMid = positioned && message;
    p.tableRowData = positioned;
    p.fid = !table;
    p.mid = !table && message;
    // A message in an ordinary folder has no ParentFolderId (its FolderId is
    // the parent); a folder has one, and so does a message seen through a
    // search folder (S and M both set).
    p.parentFid =
        (type == store::fnev::ObjectCreated || type == store::fnev::ObjectDeleted || moveOrCopy) && message == search;
    p.oldFid = moveOrCopy;
    p.oldMid = moveOrCopy && message;
    p.oldParentFid = moveOrCopy && !message;
    p.tags = type == store::fnev::ObjectCreated || type == store::fnev::ObjectModified;
    p.totalCount = (flags & flag::TotalCount) != 0;
    p.unreadCount = (flags & flag::UnreadCount) != 0;
    p.newMail = type == store::fnev::NewMail;
    return p;
}

// The NotificationTypes this module reads back: the ones it produces.
bool isKnownType(std::uint16_t type)
{
    switch (type) {
    case store::fnev::NewMail:
    case store::fnev::ObjectCreated:
    case store::fnev::ObjectDeleted:
    case store::fnev::ObjectModified:
    case store::fnev::ObjectMoved:
    case store::fnev::ObjectCopied:
    case store::fnev::TableModified:
        return true;
    default:
        return false;
    }
}

bool isKnownTableEvent(std::uint16_t event)
{
    switch (static_cast<TableEvent>(event)) {
    case TableEvent::Changed:
    case TableEvent::RowAdded:
    case TableEvent::RowDeleted:
    case TableEvent::RowModified:
    case TableEvent::RestrictDone:
        return true;
    }
    return false;
}

// TagCount 0xFFFF: no property list given ([MS-OXCNOTIF] 2.2.1.4.1.2: Tags
// is absent when TagCount is 0x0000 or 0xFFFF). What each type writes is
// decided where its notifications are built (tagsFor, below).
constexpr std::uint16_t kNoTagList = 0xFFFF;

// --- UTF-8 <-> UTF-16 for MessageClass --------------------------------------------

void appendUtf8(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

constexpr char32_t kReplacement = 0xFFFD;

// Code points of `text`; a byte that does not start a well-formed sequence
// becomes U+FFFD (the daemon only queues valid UTF-8, this is for safety).
std::u32string codePointsOf(std::string_view text)
{
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (i + length > text.size() || !isValidUtf8(text.substr(i, length))) {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        char32_t c = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k)
            c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        out.push_back(c);
        i += length;
    }
    return out;
}

std::u16string utf16Of(std::string_view utf8)
{
    std::u16string out;
    for (char32_t c : codePointsOf(utf8)) {
        if (c < 0x10000) {
            out.push_back(static_cast<char16_t>(c));
        } else {
            c -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 | (c >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 | (c & 0x3FF)));
        }
    }
    return out;
}

// Unpaired surrogates become U+FFFD.
std::string utf8Of(const std::u16string& utf16)
{
    std::string out;
    for (std::size_t i = 0; i < utf16.size(); ++i) {
        const char16_t unit = utf16[i];
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < utf16.size() && utf16[i + 1] >= 0xDC00 &&
            utf16[i + 1] <= 0xDFFF) {
            appendUtf8(out, 0x10000 + ((char32_t(unit) - 0xD800) << 10) + (char32_t(utf16[i + 1]) - 0xDC00));
            ++i;
        } else if (unit >= 0xD800 && unit <= 0xDFFF) {
            appendUtf8(out, kReplacement);
        } else {
            appendUtf8(out, unit);
        }
    }
    return out;
}

// MessageClass is NUL-terminated on the wire: what a NUL inside the text
// would leave after it would be read as the next field, so it is written
// only up to its first NUL (U+0000 is the only code point with a NUL byte).
std::string_view messageClassOnWire(std::string_view messageClass)
{
    return messageClass.substr(0, messageClass.find('\0'));
}

// --- little-endian wire integers (ROP buffers are little-endian) ------------------

class WireWriter {
  public:
    void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
    void u16(std::uint16_t value) { put(value, 2); }
    void u32(std::uint32_t value) { put(value, 4); }
    void u64(std::uint64_t value) { put(value, 8); }
    void raw(std::string_view bytes) { out_.append(bytes); }
    std::string take() { return std::move(out_); }

  private:
    void put(std::uint64_t value, int size)
    {
        for (int i = 0; i < size; ++i)
            u8(static_cast<std::uint8_t>(value >> (8 * i)));
    }
    std::string out_;
};

class WireReader {
  public:
    explicit WireReader(ByteView data) : data_(reinterpret_cast<const char*>(data.data()), data.size()) {}

    bool atEnd() const { return data_.empty(); }
    std::size_t offset() const { return consumed_; }

    std::optional<std::uint8_t> u8() { return get<std::uint8_t>(1); }
    std::optional<std::uint16_t> u16() { return get<std::uint16_t>(2); }
    std::optional<std::uint32_t> u32() { return get<std::uint32_t>(4); }
    std::optional<std::uint64_t> u64() { return get<std::uint64_t>(8); }

    std::optional<std::string_view> raw(std::size_t size)
    {
        if (data_.size() < size)
            return std::nullopt;
        const std::string_view out = data_.substr(0, size);
        data_.remove_prefix(size);
        consumed_ += size;
        return out;
    }

  private:
    template <typename T> std::optional<T> get(std::size_t size)
    {
        const auto bytes = raw(size);
        if (!bytes)
            return std::nullopt;
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < size; ++i)
            value |= std::uint64_t{static_cast<unsigned char>((*bytes)[i])} << (8 * i);
        return static_cast<T>(value);
    }

    std::string_view data_;
    std::size_t consumed_ = 0;
};

// --- encoding ---------------------------------------------------------------------

void writeNotificationData(WireWriter& out, const NotificationData& d)
{
    const Presence p = presenceOf(d.flags, d.tableEvent);
    out.u16(d.flags);
    if (p.tableEvent)
        out.u16(static_cast<std::uint16_t>(d.tableEvent));
    if (p.tableRowFid)
        out.u64(d.tableRowFid);
    if (p.tableRowMid) {
        out.u64(d.tableRowMid);
        out.u32(d.tableRowInstance);
    }
    if (p.insertAfterFid)
        out.u64(d.insertAfterFid);
    if (p.insertAfterMid) {
        out.u64(d.insertAfterMid);
        out.u32(d.insertAfterInstance);
    }
    if (p.tableRowData) {
        const std::size_t size = std::min<std::size_t>(d.tableRowData.size(), 0xFFFF);
        out.u16(static_cast<std::uint16_t>(size));
        out.raw(std::string_view(d.tableRowData).substr(0, size));
    }
    if (p.fid)
        out.u64(d.fid);
    if (p.mid)
        out.u64(d.mid);
    if (p.parentFid)
        out.u64(d.parentFid);
    if (p.oldFid)
        out.u64(d.oldFid);
    if (p.oldMid)
        out.u64(d.oldMid);
    if (p.oldParentFid)
        out.u64(d.oldParentFid);
    if (p.tags) {
        if (!d.tags) {
            out.u16(kNoTagList);
        } else {
            const std::size_t count = std::min<std::size_t>(d.tags->size(), kNoTagList - 1);
            out.u16(static_cast<std::uint16_t>(count));
            for (std::size_t i = 0; i < count; ++i)
                out.u32((*d.tags)[i]);
        }
    }
    if (p.totalCount)
        out.u32(d.totalCount);
    if (p.unreadCount)
        out.u32(d.unreadCount);
    if (p.newMail) {
        out.u32(d.messageFlags);
        out.u8(d.unicode ? 1 : 0);
        const std::string_view messageClass = messageClassOnWire(d.messageClass);
        if (d.unicode) {
            for (char16_t unit : utf16Of(messageClass))
                out.u16(unit);
            out.u16(0);
        } else {
            out.raw(messageClass);
            out.u8(0);
        }
    }
}

// --- decoding ---------------------------------------------------------------------

Error malformed(std::string detail)
{
    return makeError(ErrorCode::InvalidParameter, "ropNotify", std::move(detail));
}

Error truncatedAt(const WireReader& in)
{
    return malformed("RopNotify truncated at byte " + std::to_string(in.offset()));
}

// Reads one fixed-size field into `out` when `present`; false on truncation.
template <typename T> bool readIf(bool present, std::optional<T> (WireReader::*get)(), WireReader& in, T& out)
{
    if (!present)
        return true;
    const auto value = (in.*get)();
    if (!value)
        return false;
    out = *value;
    return true;
}

Result<std::string> readMessageClass(WireReader& in, bool unicode)
{
    if (unicode) {
        std::u16string units;
        for (;;) {
            const auto unit = in.u16();
            if (!unit)
                return malformed("MessageClass without its terminator at byte " + std::to_string(in.offset()));
            if (*unit == 0)
                return utf8Of(units);
            units.push_back(static_cast<char16_t>(*unit));
        }
    }
    std::string bytes;
    for (;;) {
        const auto byte = in.u8();
        if (!byte)
            return malformed("MessageClass without its terminator at byte " + std::to_string(in.offset()));
        if (*byte == 0)
            return bytes;
        bytes.push_back(static_cast<char>(*byte));
    }
}

Result<NotificationData> readNotificationData(WireReader& in)
{
    NotificationData d;
    const auto flags = in.u16();
    if (!flags)
        return truncatedAt(in);
    d.flags = *flags;
    if (!isKnownType(d.type()))
        return malformed("unknown NotificationType " + hex(d.type(), 4));
    if (d.type() == store::fnev::TableModified) {
        const auto event = in.u16();
        if (!event)
            return truncatedAt(in);
        if (!isKnownTableEvent(*event))
            return malformed("unknown TableEventType " + hex(*event, 4));
        d.tableEvent = static_cast<TableEvent>(*event);
    }
    const Presence p = presenceOf(d.flags, d.tableEvent);

    bool ok = readIf(p.tableRowFid, &WireReader::u64, in, d.tableRowFid) &&
              readIf(p.tableRowMid, &WireReader::u64, in, d.tableRowMid) &&
              readIf(p.tableRowMid, &WireReader::u32, in, d.tableRowInstance) &&
              readIf(p.insertAfterFid, &WireReader::u64, in, d.insertAfterFid) &&
              readIf(p.insertAfterMid, &WireReader::u64, in, d.insertAfterMid) &&
              readIf(p.insertAfterMid, &WireReader::u32, in, d.insertAfterInstance);
    if (ok && p.tableRowData) {
        const auto size = in.u16();
        const auto row = size ? in.raw(*size) : std::nullopt;
        ok = row.has_value();
        if (ok)
            d.tableRowData = std::string(*row);
    }
    ok = ok && readIf(p.fid, &WireReader::u64, in, d.fid) && readIf(p.mid, &WireReader::u64, in, d.mid) &&
         readIf(p.parentFid, &WireReader::u64, in, d.parentFid) && readIf(p.oldFid, &WireReader::u64, in, d.oldFid) &&
         readIf(p.oldMid, &WireReader::u64, in, d.oldMid) &&
         readIf(p.oldParentFid, &WireReader::u64, in, d.oldParentFid);
    if (ok && p.tags) {
        const auto count = in.u16();
        ok = count.has_value();
        if (ok && *count != kNoTagList) {
            d.tags.emplace();
            for (std::uint16_t i = 0; ok && i < *count; ++i) {
                const auto tag = in.u32();
                ok = tag.has_value();
                if (ok)
                    d.tags->push_back(*tag);
            }
        }
    }
    ok = ok && readIf(p.totalCount, &WireReader::u32, in, d.totalCount) &&
         readIf(p.unreadCount, &WireReader::u32, in, d.unreadCount);
    if (ok && p.newMail) {
        const auto messageFlags = in.u32();
        const auto unicode = messageFlags ? in.u8() : std::nullopt;
        if (!unicode)
            return truncatedAt(in);
        d.messageFlags = *messageFlags;
        d.unicode = *unicode != 0;
        auto messageClass = readMessageClass(in, d.unicode);
        if (!messageClass)
            return messageClass.error();
        d.messageClass = std::move(*messageClass);
    }
    if (!ok)
        return truncatedAt(in);
    return d;
}

// --- from queue entries -------------------------------------------------------------

constexpr std::string_view kDefaultMessageClass = "IPM.Note";

bool answersTo(const store::Subscription& s, std::uint16_t bit)
{
    return (s.flags & bit) != 0;
}

// fnevNewMail with the M flag, so that MessageId is present (OpenChange's
// case 0x8002 NewMailNotification: FID, MID, MessageFlags, UnicodeFlag,
// MessageClass).
NotificationData newMail(const store::QueueEntry& e)
{
    NotificationData d;
    d.flags = store::fnev::NewMail | flag::Message;
    d.fid = e.fid;
    d.mid = e.mid;
    d.messageFlags = e.messageFlags.value_or(0);
    d.unicode = true;
    d.messageClass = e.messageClass.empty() ? std::string(kDefaultMessageClass) : e.messageClass;
    return d;
}

// TagCount and Tags per NotificationType ([MS-OXCNOTIF] 2.2.1.4.1.2). The
// field is present only for ObjectCreated (0x0004) and ObjectModified
// (0x0010); Tags follows only when TagCount is neither 0x0000 nor 0xFFFF (the
// section gives the two values no other difference). Producers never say
// which properties an event touched, so no Tags are written:
// - ObjectModified: 0x0000, as "the value of this field SHOULD be set to
//   0x0000" (Exchange 2013 and later do; Exchange 2003-2010 listed the
//   changed tags, product behavior note 9).
// - ObjectCreated: the section sets no value; 0x0000 too. 0xFFFF would be as
//   valid on the wire, but OpenChange's libmapiserver_RopNotify_size tests a
//   folder-created TagCount against 0xFFFF through another member of its
//   NotificationData union (FolderModifiedNotification_10, whose TagCount
//   lies over ParentFID) and then counts 0xFFFF tags of 4 bytes: an
//   OpenChange that sizes our notifications itself gets 0x0000 right.
// - NewMail, ObjectDeleted, ObjectMoved, ObjectCopied: no TagCount at all
//   (presenceOf leaves it out).
std::optional<std::vector<std::uint32_t>> tagsFor(std::uint16_t type)
{
    if (type == store::fnev::ObjectModified || type == store::fnev::ObjectCreated)
        return std::vector<std::uint32_t>{}; // TagCount 0x0000
    return std::nullopt;                     // no TagCount
}

// A message object notification: M set, FolderId and MessageId; moves and
// copies add OldFolderId and OldMessageId; created and modified carry
// TagCount (tagsFor).
NotificationData messageObject(const store::QueueEntry& e, std::uint16_t type)
{
    NotificationData d;
    d.flags = type | flag::Message;
    d.fid = e.fid;
    d.mid = e.mid;
    d.oldFid = e.oldFid;
    d.oldMid = e.oldMid;
    d.tags = tagsFor(type);
    return d;
}

// A folder object notification: FolderId and ParentFolderId; moves and copies
// add OldFolderId and OldParentFolderId (0 when the producer did not name the
// old parent or the user's OpenChange does not know it); created and modified
// carry TagCount (tagsFor). Only ObjectModified may carry the counts (T and U:
// "If this bit is set, the NotificationType MUST be 0x0010", [MS-OXCNOTIF]
// 2.2.1.4.1.2): other types give them as a folder ObjectModified of their
// own (queue::folderCountsOf, objectNotifications).
NotificationData folderObject(const store::QueueEntry& e, std::uint16_t type)
{
    NotificationData d;
    d.flags = type;
    d.fid = e.fid;
    d.parentFid = e.parentFid;
    d.oldFid = e.oldFid;
    d.oldParentFid = e.oldParentFid;
    d.tags = tagsFor(type);
    if (type == store::fnev::ObjectModified) {
        if (e.totalCount) {
            d.flags |= flag::TotalCount;
            d.totalCount = *e.totalCount;
        }
        if (e.unreadCount) {
            d.flags |= flag::UnreadCount;
            d.unreadCount = *e.unreadCount;
        }
    }
    return d;
}

} // namespace

NotificationData presentFields(NotificationData d)
{
    const Presence p = presenceOf(d.flags, d.tableEvent);
    NotificationData out;
    out.flags = d.flags;
    if (p.tableEvent)
        out.tableEvent = d.tableEvent;
    if (p.tableRowFid)
        out.tableRowFid = d.tableRowFid;
    if (p.tableRowMid) {
        out.tableRowMid = d.tableRowMid;
        out.tableRowInstance = d.tableRowInstance;
    }
    if (p.insertAfterFid)
        out.insertAfterFid = d.insertAfterFid;
    if (p.insertAfterMid) {
        out.insertAfterMid = d.insertAfterMid;
        out.insertAfterInstance = d.insertAfterInstance;
    }
    if (p.tableRowData)
        out.tableRowData = std::move(d.tableRowData);
    if (p.fid)
        out.fid = d.fid;
    if (p.mid)
        out.mid = d.mid;
    if (p.parentFid)
        out.parentFid = d.parentFid;
    if (p.oldFid)
        out.oldFid = d.oldFid;
    if (p.oldMid)
        out.oldMid = d.oldMid;
    if (p.oldParentFid)
        out.oldParentFid = d.oldParentFid;
    if (p.tags)
        out.tags = std::move(d.tags);
    if (p.totalCount)
        out.totalCount = d.totalCount;
    if (p.unreadCount)
        out.unreadCount = d.unreadCount;
    if (p.newMail) {
        out.messageFlags = d.messageFlags;
        out.unicode = d.unicode;
        out.messageClass = std::string(messageClassOnWire(d.messageClass));
    }
    return out;
}

namespace {

// Counts that came with an event whose own notification may not carry them
// (any message event; a folder created, deleted, moved or copied) follow it
// as a folder ObjectModified with T and U, what makes Outlook update a
// folder's counts, for the subscriptions that asked for fnevObjectModified
// on that folder (queue::folderCountsOf says which folder).
std::optional<NotificationData> folderCountsFor(const store::QueueEntry& e, const store::Subscription& s)
{
    const auto counts = queue::folderCountsOf(e);
    if (!counts || !answersTo(s, store::fnev::ObjectModified) || !queue::wants(s, *counts))
        return std::nullopt;
    return folderObject(*counts, store::fnev::ObjectModified);
}

std::vector<NotificationData> objectNotifications(const store::QueueEntry& e, const store::Subscription& s)
{
    std::vector<NotificationData> out;
    if (e.type == EventType::NewMail) {
        if (answersTo(s, store::fnev::NewMail))
            out.push_back(newMail(e));
        if (answersTo(s, store::fnev::ObjectCreated))
            out.push_back(messageObject(e, store::fnev::ObjectCreated));
    } else {
        const std::uint16_t type = store::fnevOf(e.type);
        if (answersTo(s, type))
            out.push_back(e.kind == ObjectKind::Message ? messageObject(e, type) : folderObject(e, type));
    }
    if (auto counts = folderCountsFor(e, s))
        out.push_back(std::move(*counts));
    return out;
}

// TABLE_ROW_DELETED names the row by its ids, which entries carry. The row
// instance is 0: the instance number only tells apart the rows a multi-valued
// column expands into, and OCSManager's tables are not so expanded. (OpenChange
// itself ships this event commented out with a note that it "does not work";
// the layout here is the one [MS-OXCNOTIF] 2.2.1.4.1.2 gives.)
NotificationData contentsRowDeleted(store::Fid fid, store::Mid mid)
{
    NotificationData d;
    d.flags = store::fnev::TableModified | flag::Message;
    d.tableEvent = TableEvent::RowDeleted;
    d.tableRowFid = fid;
    d.tableRowMid = mid;
    d.tableRowInstance = 0;
    return d;
}

NotificationData hierarchyRowDeleted(store::Fid fid)
{
    NotificationData d;
    d.flags = store::fnev::TableModified;
    d.tableEvent = TableEvent::RowDeleted;
    d.tableRowFid = fid;
    return d;
}

// TABLE_ROW_ADDED and TABLE_ROW_MODIFIED must carry the row's data in the
// columns the client chose with RopSetColumns, and the row it now follows
// (InsertAfter…): OpenChange knows those, OCSManager does not. Those events
// therefore become TABLE_CHANGED, which [MS-OXCNOTIF] 3.2.5.7 obliges clients
// to handle and which makes them re-read the table.
std::vector<NotificationData> contentsNotifications(const store::QueueEntry& e, store::Fid tableFid)
{
    switch (e.type) {
    case EventType::ObjectDeleted:
        return {contentsRowDeleted(e.fid, e.mid)};
    case EventType::ObjectMoved:
        if (e.oldFid == tableFid && e.fid != tableFid)
            return {contentsRowDeleted(e.oldFid, e.oldMid)};
        return {tableChanged()};
    case EventType::ObjectCopied:
        if (e.fid != tableFid)
            return {}; // copied out: the source table is unchanged
        return {tableChanged()};
    case EventType::NewMail:
    case EventType::ObjectCreated:
    case EventType::ObjectModified:
        break;
    }
    return {tableChanged()};
}

// Hierarchy tables get folder entries whose (new) parent is the table's
// folder, and folders moved out of it. A deletion names its row, and so does
// a move out, as contents tables lose a moved message's row: the row of the
// folder as the table listed it, OldFolderId (when the user's OpenChange
// does not know that id, the table is re-read). Everything else changes rows
// we cannot describe (see contentsNotifications).
std::vector<NotificationData> hierarchyNotifications(const store::QueueEntry& e, store::Fid tableFid)
{
    if (e.type == EventType::ObjectDeleted)
        return {hierarchyRowDeleted(e.fid)};
    if (queue::isFolderMovedOutOf(e, tableFid) && e.oldFid != 0)
        return {hierarchyRowDeleted(e.oldFid)};
    return {tableChanged()};
}

// --- describing -----------------------------------------------------------------------

std::string_view typeName(std::uint16_t type)
{
    switch (type) {
    case store::fnev::NewMail:
        return "NewMail";
    case store::fnev::ObjectCreated:
        return "ObjectCreated";
    case store::fnev::ObjectDeleted:
        return "ObjectDeleted";
    case store::fnev::ObjectModified:
        return "ObjectModified";
    case store::fnev::ObjectMoved:
        return "ObjectMoved";
    case store::fnev::ObjectCopied:
        return "ObjectCopied";
    case store::fnev::TableModified:
        return "TableModified";
    default:
        return "Unknown";
    }
}

std::string_view tableEventName(TableEvent event)
{
    switch (event) {
    case TableEvent::Changed:
        return "TABLE_CHANGED";
    case TableEvent::RowAdded:
        return "TABLE_ROW_ADDED";
    case TableEvent::RowDeleted:
        return "TABLE_ROW_DELETED";
    case TableEvent::RowModified:
        return "TABLE_ROW_MODIFIED";
    case TableEvent::RestrictDone:
        return "TABLE_RESTRICT_DONE";
    }
    return "TABLE_UNKNOWN";
}

// A JSON string; text that is not valid UTF-8 (an 8-bit MessageClass) has
// its non-ASCII bytes replaced by U+FFFD.
std::string jsonString(std::string_view text)
{
    const bool valid = isValidUtf8(text);
    std::string out = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7F) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", byte);
            out += buffer;
        } else if (byte >= 0x80 && !valid) {
            out += "\\ufffd";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// Name/value pairs in wire order, shared by describe() and toJson().
struct Field {
    std::string_view name;
    std::string text; // for describe()
    std::string json; // for toJson()
};

std::vector<Field> fieldsOf(const NotificationData& d)
{
    const Presence p = presenceOf(d.flags, d.tableEvent);
    std::vector<Field> out;
    auto id = [&](std::string_view name, std::uint64_t value) {
        out.push_back({name, hex(value, 16), jsonString(hex(value, 16))});
    };
    auto number = [&](std::string_view name, std::uint32_t value) {
        out.push_back({name, std::to_string(value), std::to_string(value)});
    };
    if (p.tableRowFid)
        id("rowFid", d.tableRowFid);
    if (p.tableRowMid) {
        id("rowMid", d.tableRowMid);
        number("rowInstance", d.tableRowInstance);
    }
    if (p.insertAfterFid)
        id("insertAfterFid", d.insertAfterFid);
    if (p.insertAfterMid) {
        id("insertAfterMid", d.insertAfterMid);
        number("insertAfterInstance", d.insertAfterInstance);
    }
    if (p.tableRowData)
        number("rowDataSize", static_cast<std::uint32_t>(d.tableRowData.size()));
    if (p.fid)
        id("fid", d.fid);
    if (p.mid)
        id("mid", d.mid);
    if (p.parentFid)
        id("parentFid", d.parentFid);
    if (p.oldFid)
        id("oldFid", d.oldFid);
    if (p.oldMid)
        id("oldMid", d.oldMid);
    if (p.oldParentFid)
        id("oldParentFid", d.oldParentFid);
    if (p.tags) {
        if (!d.tags) {
            out.push_back({"tags", "none", "null"});
        } else {
            std::string text, json = "[";
            for (std::uint32_t tag : *d.tags) {
                text += (text.empty() ? "" : ",") + hex(tag, 8);
                json += (json.size() > 1 ? "," : "") + jsonString(hex(tag, 8));
            }
            out.push_back({"tags", text.empty() ? "[]" : text, json + "]"});
        }
    }
    if (p.totalCount)
        number("total", d.totalCount);
    if (p.unreadCount)
        number("unread", d.unreadCount);
    if (p.newMail) {
        out.push_back({"messageFlags", hex(d.messageFlags, 8), std::to_string(d.messageFlags)});
        out.push_back({"unicode", d.unicode ? "1" : "0", d.unicode ? "true" : "false"});
        out.push_back({"messageClass", jsonString(d.messageClass), jsonString(d.messageClass)});
    }
    return out;
}

std::string_view objectName(const NotificationData& d)
{
    return d.isMessage() ? "message" : "folder";
}

} // namespace

std::string encodeNotificationData(const NotificationData& data)
{
    WireWriter out;
    writeNotificationData(out, data);
    return out.take();
}

std::string encodeRopNotify(std::uint32_t notificationHandle, std::uint8_t logonId, const NotificationData& data)
{
    WireWriter out;
    out.u8(kRopNotifyId);
    out.u32(notificationHandle);
    out.u8(logonId);
    writeNotificationData(out, data);
    return out.take();
}

NotificationData tableChanged()
{
    NotificationData d;
    d.flags = store::fnev::TableModified;
    d.tableEvent = TableEvent::Changed;
    return d;
}

std::vector<NotificationData> notificationsFor(const store::QueueEntry& entry, const store::Subscription& subscription)
{
    std::vector<NotificationData> out;
    switch (subscription.table) {
    case TableType::None:
        out = objectNotifications(entry, subscription);
        break;
    case TableType::Hierarchy:
        out = hierarchyNotifications(entry, subscription.fid);
        break;
    case TableType::Contents:
    case TableType::AssociatedContents:
        out = contentsNotifications(entry, subscription.fid);
        break;
    }
    for (auto& d : out)
        d = presentFields(std::move(d));
    return out;
}

Result<std::vector<DecodedNotify>> decodeRopNotifies(ByteView wire)
{
    std::vector<DecodedNotify> out;
    WireReader in(wire);
    while (!in.atEnd()) {
        const std::size_t start = in.offset();
        const auto ropId = in.u8();
        if (*ropId != kRopNotifyId)
            return malformed("RopId " + hex(*ropId, 2) + " at byte " + std::to_string(start) +
                             " is not RopNotify (0x2A)");
        const auto handle = in.u32();
        const auto logonId = handle ? in.u8() : std::nullopt;
        if (!logonId)
            return truncatedAt(in);
        auto data = readNotificationData(in);
        if (!data)
            return data.error();
        out.push_back(DecodedNotify{*handle, *logonId, std::move(*data)});
    }
    return out;
}

std::string describe(const DecodedNotify& notify)
{
    const NotificationData& d = notify.data;
    std::string line = "handle=" + hex(notify.handle, 8) + " logon=" + std::to_string(notify.logonId) + " " +
                       std::string(typeName(d.type()));
    if (d.type() == store::fnev::TableModified)
        line += " " + std::string(tableEventName(d.tableEvent));
    else
        line += " " + std::string(objectName(d));
    if ((d.flags & flag::SearchFolder) != 0)
        line += " search-folder";
    for (const Field& field : fieldsOf(d))
        line += " " + std::string(field.name) + "=" + field.text;
    return line;
}

std::string toJson(const DecodedNotify& notify)
{
    const NotificationData& d = notify.data;
    std::string json = "{\"handle\":" + std::to_string(notify.handle) +
                       ",\"logonId\":" + std::to_string(notify.logonId) + ",\"flags\":" + jsonString(hex(d.flags, 4)) +
                       ",\"type\":" + jsonString(typeName(d.type()));
    if (d.type() == store::fnev::TableModified)
        json += ",\"tableEvent\":" + jsonString(tableEventName(d.tableEvent));
    else
        json += ",\"object\":" + jsonString(objectName(d));
    json += ",\"searchFolder\":";
    json += (d.flags & flag::SearchFolder) != 0 ? "true" : "false";
    for (const Field& field : fieldsOf(d))
        json += "," + jsonString(field.name) + ":" + field.json;
    return json + "}";
}

} // namespace ocs::client_module
