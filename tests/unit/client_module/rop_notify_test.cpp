// The RopNotify bytes the client module hands to OpenChange. Every expected
// byte string below is written by hand from the field tables of
// [MS-OXCROPS] 2.2.14.2.1 (RopNotify response buffer) and [MS-OXCNOTIF]
// 2.2.1.4.1.2 (NotificationData), one field per line, never produced by the
// encoder under test. Integers on the wire are little-endian; a Folder ID or
// Message ID ([MS-OXCDATA] 2.2.1.1-2) is ReplicaId (2 bytes LE) followed by
// GlobalCounter (6 bytes big-endian), i.e. OpenChange's 64-bit id written LE.
#include "client_module/rop_notify.hpp"

#include "queue/matching.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <initializer_list>
#include <string>

using namespace ocs;
using namespace ocs::store;
using namespace ocs::client_module;

namespace {

// replica 1 with global counters 0x0102, 0x0304, 1, 0x0506, 0x0708, 0x090A
constexpr Fid kFid = 0x0201000000000001;
constexpr Mid kMid = 0x0403000000000001;
constexpr Fid kParent = 0x0100000000000001;
constexpr Fid kOldFid = 0x0605000000000001;
constexpr Mid kOldMid = 0x0807000000000001;
constexpr Fid kOldParent = 0x0A09000000000001;

constexpr std::uint32_t kHandle = 0x11223344;
constexpr std::uint8_t kLogon = 5;

std::string bytes(std::initializer_list<unsigned> values)
{
    std::string out;
    for (unsigned v : values)
        out.push_back(static_cast<char>(v));
    return out;
}

// The RopNotify header for kHandle and kLogon ([MS-OXCROPS] 2.2.14.2.1).
std::string header()
{
    return bytes({
        0x2A,                   // RopId: RopNotify
        0x44, 0x33, 0x22, 0x11, // NotificationHandle 0x11223344
        0x05,                   // LogonId 5
    });
}

// The ids as the wire holds them.
const std::string kFidBytes = bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02});    // ReplicaId 1, GC 0x0102
const std::string kMidBytes = bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04});    // ReplicaId 1, GC 0x0304
const std::string kParentBytes = bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}); // ReplicaId 1, GC 1
const std::string kOldFidBytes = bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x06}); // ReplicaId 1, GC 0x0506
const std::string kOldMidBytes = bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08}); // ReplicaId 1, GC 0x0708
const std::string kOldParentBytes = bytes({0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x0A}); // ReplicaId 1, GC 0x090A
const std::string kZeroId = bytes({0, 0, 0, 0, 0, 0, 0, 0});

QueueEntry messageEntry(EventType type)
{
    QueueEntry e;
    e.type = type;
    e.kind = ObjectKind::Message;
    e.fid = kFid;
    e.messageUri = "sogo://jdoe@INBOX/61.eml";
    e.mid = kMid; // as the client module's resolver fills it in
    if (type == EventType::ObjectMoved || type == EventType::ObjectCopied) {
        e.oldFid = kOldFid;
        e.oldMessageUri = "sogo://jdoe@Archive/3.eml";
        e.oldMid = kOldMid;
    }
    return e;
}

QueueEntry folderEntry(EventType type)
{
    QueueEntry e;
    e.type = type;
    e.kind = ObjectKind::Folder;
    e.fid = kFid;
    e.parentFid = kParent;
    if (type == EventType::ObjectMoved || type == EventType::ObjectCopied) {
        e.oldFid = kOldFid;
        e.oldParentFid = kOldParent;
    }
    return e;
}

Subscription objectSubscription(std::uint16_t flags, Fid fid = 0)
{
    return Subscription{"session", kHandle, flags, fid, 0, TableType::None, {}};
}

Subscription tableSubscription(TableType table, Fid fid)
{
    return Subscription{"session", kHandle, fnev::TableModified, fid, 0, table, {}};
}

// The folder ObjectModified that carries the counts of kFid ([MS-OXCNOTIF]
// 2.2.1.4.1.2: T and U only with NotificationType 0x0010).
std::string folderCountsWire(std::uint8_t tu, std::initializer_list<unsigned> counts)
{
    return header() + bytes({0x10, tu}) // NotificationFlags: ObjectModified | T/U
           + kFidBytes                  // FolderId
           + bytes({0x00, 0x00})        // TagCount 0x0000 (ObjectModified: SHOULD be 0)
           + bytes(counts);             // TotalMessageCount, UnreadMessageCount as flagged
}

// What the session receives for one entry: each notification as RopNotify.
std::string wireFor(const QueueEntry& entry, const Subscription& subscription)
{
    CPPUNIT_ASSERT(queue::wants(subscription, entry));
    std::string out;
    for (const NotificationData& data : notificationsFor(entry, subscription))
        out += encodeRopNotify(kHandle, kLogon, data);
    return out;
}

std::string hexOf(const std::string& data)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : data) {
        out += digits[(static_cast<unsigned char>(c) >> 4) & 0xF];
        out += digits[static_cast<unsigned char>(c) & 0xF];
        out += ' ';
    }
    return out;
}

#define ASSERT_WIRE(expected, actual) CPPUNIT_ASSERT_EQUAL(hexOf(expected), hexOf(actual))

// decode(encode(x)) == x for one notification.
void assertRoundTrip(const NotificationData& data)
{
    const auto decoded = decodeRopNotifies(encodeRopNotify(kHandle, kLogon, data));
    CPPUNIT_ASSERT(decoded.ok());
    CPPUNIT_ASSERT_EQUAL(std::size_t{1}, decoded->size());
    CPPUNIT_ASSERT_EQUAL(kHandle, (*decoded)[0].handle);
    CPPUNIT_ASSERT_EQUAL(kLogon, (*decoded)[0].logonId);
    CPPUNIT_ASSERT((*decoded)[0].data == data);
}

} // namespace

class RopNotifyEncodingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RopNotifyEncodingTest);
    CPPUNIT_TEST(testIdsAreOpenChangeMapiIds);
    CPPUNIT_TEST(testNewMailCarriesUnicodeMessageClass);
    CPPUNIT_TEST(testNewMailDefaultsToIpmNote);
    CPPUNIT_TEST(testNonBmpMessageClassIsASurrogatePair);
    CPPUNIT_TEST(testEightBitMessageClass);
    CPPUNIT_TEST(testMessageClassEndsAtItsFirstNul);
    CPPUNIT_TEST(testMessageCreated);
    CPPUNIT_TEST(testMessageModified);
    CPPUNIT_TEST(testMessageDeleted);
    CPPUNIT_TEST(testMessageMoved);
    CPPUNIT_TEST(testMessageCopied);
    CPPUNIT_TEST(testFolderCreated);
    CPPUNIT_TEST(testFolderModified);
    CPPUNIT_TEST(testFolderModifiedWithTotalAndUnreadCounts);
    CPPUNIT_TEST(testFolderModifiedWithUnreadCountOnly);
    CPPUNIT_TEST(testFolderDeleted);
    CPPUNIT_TEST(testFolderMoved);
    CPPUNIT_TEST(testFolderCopied);
    CPPUNIT_TEST(testTagListIsWrittenWhenKnown);
    CPPUNIT_TEST(testTagCountFollowsTheNotificationType);
    CPPUNIT_TEST(testTableChanged);
    CPPUNIT_TEST(testContentsRowDeleted);
    CPPUNIT_TEST(testContentsRowMovedOutIsDeletedWithOldIds);
    CPPUNIT_TEST(testHierarchyRowDeleted);
    CPPUNIT_TEST(testFolderMovedOutOfTheTableFolderDeletesItsRow);
    CPPUNIT_TEST(testFolderMovedOutWithAnUnknownOldIdReReadsTheTable);
    CPPUNIT_TEST(testFolderCopiedOutLeavesTheOldParentsHierarchy);
    CPPUNIT_TEST(testOldParentHearsOfItsChildFolderMoving);
    CPPUNIT_TEST(testContentsRowAddedAndModifiedLayout);
    CPPUNIT_TEST(testHierarchyRowAddedLayout);
    CPPUNIT_TEST(testRowsWithoutColumnDataBecomeTableChanged);
    CPPUNIT_TEST(testCopyOutOfTheTableFolderChangesNothing);
    CPPUNIT_TEST(testNewMailWithCountsAlsoModifiesTheFolder);
    CPPUNIT_TEST(testFolderEventCountsFollowAsAFolderModified);
    CPPUNIT_TEST(testCountsReachASubscriptionAskingOnlyObjectModified);
    CPPUNIT_TEST(testOnlyTheAskedBitsAreAnswered);
    CPPUNIT_TEST(testMessageSubscriptionGetsNoFolderCounts);
    CPPUNIT_TEST(testEveryProducedNotificationRoundTrips);
    CPPUNIT_TEST(testConcatenatedNotifiesDecodeInOrder);
    CPPUNIT_TEST(testTruncatedInputIsRejected);
    CPPUNIT_TEST(testUnknownTypesAreRejected);
    CPPUNIT_TEST(testDescribeAndJson);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testIdsAreOpenChangeMapiIds()
    {
        CPPUNIT_ASSERT_EQUAL(kFid, makeMapiId(0x0102, 1));
        CPPUNIT_ASSERT_EQUAL(kMid, makeMapiId(0x0304, 1));
        CPPUNIT_ASSERT_EQUAL(kParent, makeMapiId(1, 1));
    }

    void testNewMailCarriesUnicodeMessageClass()
    {
        QueueEntry e = messageEntry(EventType::NewMail);
        e.messageFlags = 0x00000011; // MSGFLAG_READ | MSGFLAG_HASATTACH
        e.messageClass = "IPM.Note";
        const std::string expected = header() + bytes({0x02, 0x80}) // NotificationFlags: NewMail (0x0002) | M
                                     + kFidBytes                    // FolderId
                                     + kMidBytes                    // MessageId (M set)
                                     + bytes({
                                           0x11, 0x00, 0x00, 0x00, // MessageFlags 0x00000011
                                           0x01,                   // UnicodeFlag: TRUE
                                           'I',  0,    'P',  0,    'M', 0, '.', 0,
                                           'N',  0,    'o',  0,    't', 0, 'e', 0, // MessageClass "IPM.Note", UTF-16LE
                                           0x00, 0x00,                             // its terminating null
                                       });
        ASSERT_WIRE(expected, wireFor(e, objectSubscription(fnev::NewMail)));
    }

    void testNewMailDefaultsToIpmNote()
    {
        const QueueEntry e = messageEntry(EventType::NewMail); // no class, no flags
        const std::string expected =
            header() + bytes({0x02, 0x80}) // NotificationFlags: NewMail | M
            + kFidBytes                    // FolderId
            + kMidBytes                    // MessageId
            + bytes({
                  0x00, 0x00, 0x00, 0x00,                                                 // MessageFlags 0
                  0x01,                                                                   // UnicodeFlag: TRUE
                  'I',  0,    'P',  0,    'M', 0, '.', 0, 'N', 0, 'o', 0, 't', 0, 'e', 0, // MessageClass "IPM.Note"
                  0x00, 0x00,                                                             // terminator
              });
        ASSERT_WIRE(expected, wireFor(e, objectSubscription(fnev::NewMail)));
    }

    void testNonBmpMessageClassIsASurrogatePair()
    {
        QueueEntry e = messageEntry(EventType::NewMail);
        e.messageClass = "IPM.\xC3\xA9\xF0\x9F\x98\x80";            // "IPM.é😀"
        const std::string expected = header() + bytes({0x02, 0x80}) // NotificationFlags: NewMail | M
                                     + kFidBytes + kMidBytes        // FolderId, MessageId
                                     + bytes({
                                           0x00, 0x00, 0x00, 0x00,                 // MessageFlags 0
                                           0x01,                                   // UnicodeFlag: TRUE
                                           'I',  0,    'P',  0,    'M', 0, '.', 0, // "IPM."
                                           0xE9, 0x00,                             // U+00E9
                                           0x3D, 0xD8, 0x00, 0xDE,                 // U+1F600 as D83D DE00
                                           0x00, 0x00,                             // terminator
                                       });
        const std::string wire = wireFor(e, objectSubscription(fnev::NewMail));
        ASSERT_WIRE(expected, wire);
        const auto decoded = decodeRopNotifies(wire);
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT_EQUAL(e.messageClass, (*decoded)[0].data.messageClass);
    }

    void testEightBitMessageClass()
    {
        NotificationData d;
        d.flags = fnev::NewMail | notification_flags::Message;
        d.fid = kFid;
        d.mid = kMid;
        d.unicode = false;
        d.messageClass = "IPM.Note";
        const std::string expected = header() + bytes({0x02, 0x80}) // NotificationFlags: NewMail | M
                                     + kFidBytes + kMidBytes        // FolderId, MessageId
                                     + bytes({
                                           0x00, 0x00, 0x00, 0x00,                 // MessageFlags 0
                                           0x00,                                   // UnicodeFlag: FALSE
                                           'I', 'P', 'M', '.', 'N', 'o', 't', 'e', // MessageClass, 8-bit
                                           0x00,                                   // terminator
                                       });
        ASSERT_WIRE(expected, encodeRopNotify(kHandle, kLogon, d));
        assertRoundTrip(d);
    }

    // Found by fuzz_rop_notify: the bytes after a NUL inside MessageClass
    // were read back as the next RopNotify of the buffer.
    void testMessageClassEndsAtItsFirstNul()
    {
        for (const bool unicode : {false, true}) {
            NotificationData d;
            d.flags = fnev::NewMail | notification_flags::Message;
            d.fid = kFid;
            d.mid = kMid;
            d.unicode = unicode;
            d.messageClass = std::string("IPM.Note\0*\x01", 11);
            const std::string buffer = encodeRopNotify(kHandle, kLogon, d) + encodeRopNotify(kHandle, kLogon, d);
            const auto decoded = decodeRopNotifies(buffer);
            CPPUNIT_ASSERT_MESSAGE(decoded ? "" : decoded.error().detail, decoded.ok());
            CPPUNIT_ASSERT_EQUAL(std::size_t{2}, decoded->size());
            for (const DecodedNotify& notify : *decoded)
                CPPUNIT_ASSERT_EQUAL(std::string("IPM.Note"), notify.data.messageClass);
            CPPUNIT_ASSERT((*decoded)[0].data == presentFields(d));
        }
    }

    void testMessageCreated()
    {
        const std::string expected = header() + bytes({0x04, 0x80}) // NotificationFlags: ObjectCreated | M
                                     + kFidBytes                    // FolderId
                                     + kMidBytes                    // MessageId
                                     // no ParentFolderId: M set, S not set
                                     + bytes({0x00, 0x00}); // TagCount 0x0000: no Tags
        ASSERT_WIRE(expected, wireFor(messageEntry(EventType::ObjectCreated), objectSubscription(fnev::ObjectCreated)));
    }

    void testMessageModified()
    {
        const std::string expected = header() + bytes({0x10, 0x80}) // NotificationFlags: ObjectModified | M
                                     + kFidBytes                    // FolderId
                                     + kMidBytes                    // MessageId
                                     + bytes({0x00, 0x00});         // TagCount 0x0000: SHOULD for 0x0010, no Tags
        ASSERT_WIRE(expected,
                    wireFor(messageEntry(EventType::ObjectModified), objectSubscription(fnev::ObjectModified)));
    }

    void testMessageDeleted()
    {
        const std::string expected = header() + bytes({0x08, 0x80}) // NotificationFlags: ObjectDeleted | M
                                     + kFidBytes                    // FolderId
                                     + kMidBytes;                   // MessageId (no ParentFolderId, no tags)
        ASSERT_WIRE(expected, wireFor(messageEntry(EventType::ObjectDeleted), objectSubscription(fnev::ObjectDeleted)));
    }

    void testMessageMoved()
    {
        const std::string expected = header() + bytes({0x20, 0x80}) // NotificationFlags: ObjectMoved | M
                                     + kFidBytes                    // FolderId (new)
                                     + kMidBytes                    // MessageId (new)
                                     + kOldFidBytes                 // OldFolderId
                                     + kOldMidBytes;                // OldMessageId (M set)
        ASSERT_WIRE(expected, wireFor(messageEntry(EventType::ObjectMoved), objectSubscription(fnev::ObjectMoved)));
    }

    void testMessageCopied()
    {
        const std::string expected = header() + bytes({0x40, 0x80}) // NotificationFlags: ObjectCopied | M
                                     + kFidBytes                    // FolderId (copy)
                                     + kMidBytes                    // MessageId (copy)
                                     + kOldFidBytes                 // OldFolderId
                                     + kOldMidBytes;                // OldMessageId
        ASSERT_WIRE(expected, wireFor(messageEntry(EventType::ObjectCopied), objectSubscription(fnev::ObjectCopied)));
    }

    void testFolderCreated()
    {
        const std::string expected = header() + bytes({0x04, 0x00}) // NotificationFlags: ObjectCreated (no M)
                                     + kFidBytes                    // FolderId
                                     + kParentBytes                 // ParentFolderId (S and M both clear)
                                     + bytes({0x00, 0x00});         // TagCount 0x0000
        ASSERT_WIRE(expected, wireFor(folderEntry(EventType::ObjectCreated), objectSubscription(fnev::ObjectCreated)));
    }

    void testFolderModified()
    {
        const std::string expected = header() + bytes({0x10, 0x00}) // NotificationFlags: ObjectModified
                                     + kFidBytes                    // FolderId
                                     + bytes({0x00, 0x00});         // TagCount 0x0000 (no ParentFolderId)
        ASSERT_WIRE(expected,
                    wireFor(folderEntry(EventType::ObjectModified), objectSubscription(fnev::ObjectModified)));
    }

    void testFolderModifiedWithTotalAndUnreadCounts()
    {
        QueueEntry e = folderEntry(EventType::ObjectModified);
        e.totalCount = 300;
        e.unreadCount = 7;
        const std::string expected = header() + bytes({0x10, 0x30}) // NotificationFlags: ObjectModified | T | U
                                     + kFidBytes                    // FolderId
                                     + bytes({
                                           0x00, 0x00,             // TagCount 0x0000
                                           0x2C, 0x01, 0x00, 0x00, // TotalMessageCount 300
                                           0x07, 0x00, 0x00, 0x00, // UnreadMessageCount 7
                                       });
        ASSERT_WIRE(expected, wireFor(e, objectSubscription(fnev::ObjectModified)));
    }

    void testFolderModifiedWithUnreadCountOnly()
    {
        QueueEntry e = folderEntry(EventType::ObjectModified);
        e.unreadCount = 0;
        const std::string expected = header() + bytes({0x10, 0x20}) // NotificationFlags: ObjectModified | U
                                     + kFidBytes                    // FolderId
                                     + bytes({
                                           0x00, 0x00,             // TagCount 0x0000
                                           0x00, 0x00, 0x00, 0x00, // UnreadMessageCount 0
                                       });
        ASSERT_WIRE(expected, wireFor(e, objectSubscription(fnev::ObjectModified)));
    }

    void testFolderDeleted()
    {
        const std::string expected = header() + bytes({0x08, 0x00}) // NotificationFlags: ObjectDeleted
                                     + kFidBytes                    // FolderId
                                     + kParentBytes;                // ParentFolderId
        ASSERT_WIRE(expected, wireFor(folderEntry(EventType::ObjectDeleted), objectSubscription(fnev::ObjectDeleted)));
    }

    void testFolderMoved()
    {
        const std::string expected = header() + bytes({0x20, 0x00}) // NotificationFlags: ObjectMoved
                                     + kFidBytes                    // FolderId (new)
                                     + kParentBytes                 // ParentFolderId (new)
                                     + kOldFidBytes                 // OldFolderId
                                     + kOldParentBytes;             // OldParentFolderId (M not set)
        ASSERT_WIRE(expected, wireFor(folderEntry(EventType::ObjectMoved), objectSubscription(fnev::ObjectMoved)));
        // An old parent the producer did not name (or OpenChange does not
        // know) is 0: the field itself is always there for a folder move.
        QueueEntry unknown = folderEntry(EventType::ObjectMoved);
        unknown.oldParentFid = 0;
        ASSERT_WIRE(expected.substr(0, expected.size() - 8) + kZeroId,
                    wireFor(unknown, objectSubscription(fnev::ObjectMoved)));
    }

    void testFolderCopied()
    {
        const std::string expected = header() + bytes({0x40, 0x00}) // NotificationFlags: ObjectCopied
                                     + kFidBytes                    // FolderId (copy)
                                     + kParentBytes                 // ParentFolderId
                                     + kOldFidBytes                 // OldFolderId
                                     + kOldParentBytes;             // OldParentFolderId: the original's parent
        ASSERT_WIRE(expected, wireFor(folderEntry(EventType::ObjectCopied), objectSubscription(fnev::ObjectCopied)));
    }

    void testTagListIsWrittenWhenKnown()
    {
        NotificationData d;
        d.flags = fnev::ObjectModified | notification_flags::Message;
        d.fid = kFid;
        d.mid = kMid;
        d.tags = std::vector<std::uint32_t>{0x0E070003, 0x0037001F}; // PidTagMessageFlags, PidTagSubject
        const std::string expected = header() + bytes({0x10, 0x80})  // NotificationFlags: ObjectModified | M
                                     + kFidBytes + kMidBytes         // FolderId, MessageId
                                     + bytes({
                                           0x02, 0x00,             // TagCount 2
                                           0x03, 0x00, 0x07, 0x0E, // Tags[0] 0x0E070003
                                           0x1F, 0x00, 0x37, 0x00, // Tags[1] 0x0037001F
                                       });
        ASSERT_WIRE(expected, encodeRopNotify(kHandle, kLogon, d));
        assertRoundTrip(d);
        d.tags = std::vector<std::uint32_t>{}; // TagCount 0: no Tags either
        ASSERT_WIRE(header() + bytes({0x10, 0x80}) + kFidBytes + kMidBytes + bytes({0x00, 0x00}),
                    encodeRopNotify(kHandle, kLogon, d));
        assertRoundTrip(d);
    }

    // [MS-OXCNOTIF] 2.2.1.4.1.2: TagCount only for 0x0004 and 0x0010, there
    // 0x0000 (for 0x0010 "SHOULD be set to 0x0000"), so no Tags follow.
    void testTagCountFollowsTheNotificationType()
    {
        const std::uint16_t all = fnev::NewMail | fnev::ObjectCreated | fnev::ObjectDeleted | fnev::ObjectModified |
                                  fnev::ObjectMoved | fnev::ObjectCopied;
        for (const EventType type : {EventType::NewMail, EventType::ObjectCreated, EventType::ObjectModified,
                                     EventType::ObjectDeleted, EventType::ObjectMoved, EventType::ObjectCopied}) {
            std::vector<QueueEntry> entries{messageEntry(type)};
            if (type != EventType::NewMail)
                entries.push_back(folderEntry(type));
            for (const QueueEntry& e : entries) {
                const auto decoded = decodeRopNotifies(wireFor(e, objectSubscription(all)));
                CPPUNIT_ASSERT(decoded.ok());
                for (const DecodedNotify& notify : *decoded) {
                    const std::uint16_t t = notify.data.type();
                    if (t == fnev::ObjectCreated || t == fnev::ObjectModified)
                        CPPUNIT_ASSERT(notify.data.tags == std::vector<std::uint32_t>{}); // TagCount 0x0000
                    else
                        CPPUNIT_ASSERT(!notify.data.tags); // no TagCount on the wire
                }
            }
        }
    }

    void testTableChanged()
    {
        const std::string expected = header() + bytes({
                                                    0x00, 0x01, // NotificationFlags: TableModified (0x0100)
                                                    0x01, 0x00, // TableEventType: TABLE_CHANGED
                                                });
        ASSERT_WIRE(expected, encodeRopNotify(kHandle, kLogon, tableChanged()));
        assertRoundTrip(tableChanged());
    }

    void testContentsRowDeleted()
    {
        const std::string expected = header() + bytes({0x00, 0x81})     // NotificationFlags: TableModified | M
                                     + bytes({0x04, 0x00})              // TableEventType: TABLE_ROW_DELETED
                                     + kFidBytes                        // TableRowFolderID
                                     + kMidBytes                        // TableRowMessageID (M set)
                                     + bytes({0x00, 0x00, 0x00, 0x00}); // TableRowInstance 0
        ASSERT_WIRE(expected,
                    wireFor(messageEntry(EventType::ObjectDeleted), tableSubscription(TableType::Contents, kFid)));
        ASSERT_WIRE(expected, wireFor(messageEntry(EventType::ObjectDeleted),
                                      tableSubscription(TableType::AssociatedContents, kFid)));
    }

    void testContentsRowMovedOutIsDeletedWithOldIds()
    {
        const std::string expected = header() + bytes({0x00, 0x81})     // NotificationFlags: TableModified | M
                                     + bytes({0x04, 0x00})              // TableEventType: TABLE_ROW_DELETED
                                     + kOldFidBytes                     // TableRowFolderID: where the row was
                                     + kOldMidBytes                     // TableRowMessageID: the row's old id
                                     + bytes({0x00, 0x00, 0x00, 0x00}); // TableRowInstance 0
        ASSERT_WIRE(expected,
                    wireFor(messageEntry(EventType::ObjectMoved), tableSubscription(TableType::Contents, kOldFid)));
    }

    void testHierarchyRowDeleted()
    {
        const std::string expected = header() + bytes({0x00, 0x01}) // NotificationFlags: TableModified (no M)
                                     + bytes({0x04, 0x00})          // TableEventType: TABLE_ROW_DELETED
                                     + kFidBytes;                   // TableRowFolderID (no message id, no instance)
        ASSERT_WIRE(expected,
                    wireFor(folderEntry(EventType::ObjectDeleted), tableSubscription(TableType::Hierarchy, kParent)));
    }

    // [MS-OXCNOTIF] 2.2.1.4.1.2 for a hierarchy row: TableRowFolderID only.
    // The row the old parent's table lists is the folder as it was there.
    void testFolderMovedOutOfTheTableFolderDeletesItsRow()
    {
        const std::string expected = header() + bytes({0x00, 0x01}) // NotificationFlags: TableModified (no M)
                                     + bytes({0x04, 0x00})          // TableEventType: TABLE_ROW_DELETED
                                     + kOldFidBytes;                // TableRowFolderID: OldFolderId
        ASSERT_WIRE(expected,
                    wireFor(folderEntry(EventType::ObjectMoved), tableSubscription(TableType::Hierarchy, kOldParent)));
        // The new parent's table gains a row it cannot be told the columns of.
        ASSERT_WIRE(header() + bytes({0x00, 0x01, 0x01, 0x00}), // TableModified, TABLE_CHANGED
                    wireFor(folderEntry(EventType::ObjectMoved), tableSubscription(TableType::Hierarchy, kParent)));
        // Moved within its parent (renamed): the row stays, changed.
        QueueEntry renamed = folderEntry(EventType::ObjectMoved);
        renamed.oldParentFid = kParent;
        ASSERT_WIRE(header() + bytes({0x00, 0x01, 0x01, 0x00}),
                    wireFor(renamed, tableSubscription(TableType::Hierarchy, kParent)));
    }

    void testFolderMovedOutWithAnUnknownOldIdReReadsTheTable()
    {
        QueueEntry moved = folderEntry(EventType::ObjectMoved);
        // The old URI is not mapped for this user.
        moved.oldFid = 0;
        ASSERT_WIRE(header() + bytes({0x00, 0x01, 0x01, 0x00}), // TableModified, TABLE_CHANGED
                    wireFor(moved, tableSubscription(TableType::Hierarchy, kOldParent)));
    }

    void testFolderCopiedOutLeavesTheOldParentsHierarchy()
    {
        const QueueEntry copied = folderEntry(EventType::ObjectCopied);
        CPPUNIT_ASSERT(!queue::wants(tableSubscription(TableType::Hierarchy, kOldParent), copied));
        CPPUNIT_ASSERT(queue::wants(tableSubscription(TableType::Hierarchy, kParent), copied));
    }

    void testOldParentHearsOfItsChildFolderMoving()
    {
        const std::string moved = header() + bytes({0x20, 0x00}) // NotificationFlags: ObjectMoved
                                  + kFidBytes                    // FolderId
                                  + kParentBytes                 // ParentFolderId
                                  + kOldFidBytes                 // OldFolderId
                                  + kOldParentBytes;             // OldParentFolderId: the subscription's folder
        ASSERT_WIRE(moved,
                    wireFor(folderEntry(EventType::ObjectMoved), objectSubscription(fnev::ObjectMoved, kOldParent)));
        const std::string copied = header() + bytes({0x40, 0x00}) + kFidBytes + kParentBytes + kOldFidBytes +
                                   kOldParentBytes; // ObjectCopied, same fields
        ASSERT_WIRE(copied,
                    wireFor(folderEntry(EventType::ObjectCopied), objectSubscription(fnev::ObjectCopied, kOldParent)));
        // Only the type bits asked for.
        CPPUNIT_ASSERT(
            !queue::wants(objectSubscription(fnev::ObjectCopied, kOldParent), folderEntry(EventType::ObjectMoved)));
    }

    // Rows added or modified carry column data the module does not have, so
    // it never produces them; the encoder and decoder still follow the layout.
    void testContentsRowAddedAndModifiedLayout()
    {
        NotificationData d;
        d.flags = fnev::TableModified | notification_flags::Message;
        d.tableEvent = TableEvent::RowAdded;
        d.tableRowFid = kFid;
        d.tableRowMid = kMid;
        d.tableRowInstance = 1;
        d.insertAfterFid = kOldFid;
        d.insertAfterMid = kOldMid;
        d.insertAfterInstance = 2;
        d.tableRowData = bytes({0x00, 0xAA, 0xBB});                    // a PropertyRow: flag byte and values
        const std::string expected = header() + bytes({0x00, 0x81})    // NotificationFlags: TableModified | M
                                     + bytes({0x03, 0x00})             // TableEventType: TABLE_ROW_ADDED
                                     + kFidBytes                       // TableRowFolderID
                                     + kMidBytes                       // TableRowMessageID
                                     + bytes({0x01, 0x00, 0x00, 0x00}) // TableRowInstance 1
                                     + kOldFidBytes                    // InsertAfterTableRowFolderID
                                     + kOldMidBytes                    // InsertAfterTableRowID
                                     + bytes({0x02, 0x00, 0x00, 0x00}) // InsertAfterTableRowInstance 2
                                     + bytes({0x03, 0x00})             // TableRowDataSize 3
                                     + bytes({0x00, 0xAA, 0xBB});      // TableRowData
        ASSERT_WIRE(expected, encodeRopNotify(kHandle, kLogon, d));
        assertRoundTrip(d);

        d.tableEvent = TableEvent::RowModified;
        std::string modified = expected;
        modified[8] = 0x05; // TableEventType: TABLE_ROW_MODIFIED, same fields
        ASSERT_WIRE(modified, encodeRopNotify(kHandle, kLogon, d));
        assertRoundTrip(d);
    }

    void testHierarchyRowAddedLayout()
    {
        NotificationData d;
        d.flags = fnev::TableModified;
        d.tableEvent = TableEvent::RowAdded;
        d.tableRowFid = kFid;
        d.insertAfterFid = 0; // first row
        d.tableRowData = bytes({0x00});
        const std::string expected = header() + bytes({0x00, 0x01}) // NotificationFlags: TableModified
                                     + bytes({0x03, 0x00})          // TableEventType: TABLE_ROW_ADDED
                                     + kFidBytes                    // TableRowFolderID
                                     + kZeroId                      // InsertAfterTableRowFolderID 0: first
                                     + bytes({0x01, 0x00})          // TableRowDataSize 1
                                     + bytes({0x00});               // TableRowData
        ASSERT_WIRE(expected, encodeRopNotify(kHandle, kLogon, d));
        assertRoundTrip(d);
    }

    void testRowsWithoutColumnDataBecomeTableChanged()
    {
        const std::string changed = header() + bytes({0x00, 0x01, 0x01, 0x00}); // TableModified, TABLE_CHANGED
        const Subscription contents = tableSubscription(TableType::Contents, kFid);
        ASSERT_WIRE(changed, wireFor(messageEntry(EventType::NewMail), contents));
        ASSERT_WIRE(changed, wireFor(messageEntry(EventType::ObjectCreated), contents));
        ASSERT_WIRE(changed, wireFor(messageEntry(EventType::ObjectModified), contents));
        ASSERT_WIRE(changed, wireFor(messageEntry(EventType::ObjectMoved), contents));  // moved in
        ASSERT_WIRE(changed, wireFor(messageEntry(EventType::ObjectCopied), contents)); // copied in
        const Subscription hierarchy = tableSubscription(TableType::Hierarchy, kParent);
        ASSERT_WIRE(changed, wireFor(folderEntry(EventType::ObjectCreated), hierarchy));
        ASSERT_WIRE(changed, wireFor(folderEntry(EventType::ObjectModified), hierarchy));
        ASSERT_WIRE(changed, wireFor(folderEntry(EventType::ObjectMoved), hierarchy));
        ASSERT_WIRE(changed, wireFor(folderEntry(EventType::ObjectCopied), hierarchy));
    }

    void testCopyOutOfTheTableFolderChangesNothing()
    {
        const QueueEntry copied = messageEntry(EventType::ObjectCopied);
        const Subscription source = tableSubscription(TableType::Contents, kOldFid);
        CPPUNIT_ASSERT(queue::wants(source, copied));
        CPPUNIT_ASSERT(notificationsFor(copied, source).empty());
    }

    void testNewMailWithCountsAlsoModifiesTheFolder()
    {
        QueueEntry e = messageEntry(EventType::NewMail);
        e.messageClass = "IPM.Note";
        e.totalCount = 2;
        e.unreadCount = 1;
        const std::string newMail = header() + bytes({0x02, 0x80}) // NotificationFlags: NewMail | M
                                    + kFidBytes + kMidBytes        // FolderId, MessageId
                                    + bytes({
                                          0x00, 0x00, 0x00, 0x00, // MessageFlags 0
                                          0x01,                   // UnicodeFlag
                                          'I',  0,    'P',  0,    'M', 0, '.', 0, 'N', 0, 'o', 0, 't', 0, 'e', 0, 0, 0,
                                      });
        const std::string created = header() + bytes({0x04, 0x80}) // NotificationFlags: ObjectCreated | M
                                    + kFidBytes + kMidBytes        // FolderId, MessageId
                                    + bytes({0x00, 0x00});         // TagCount 0x0000
        const std::string folder = header() + bytes({0x10, 0x30})  // NotificationFlags: ObjectModified | T | U
                                   + kFidBytes                     // FolderId: the folder the mail is in
                                   + bytes({
                                         0x00, 0x00,             // TagCount 0x0000
                                         0x02, 0x00, 0x00, 0x00, // TotalMessageCount 2
                                         0x01, 0x00, 0x00, 0x00, // UnreadMessageCount 1
                                     });
        const std::uint16_t all = fnev::NewMail | fnev::ObjectCreated | fnev::ObjectModified;
        ASSERT_WIRE(newMail + created + folder, wireFor(e, objectSubscription(all, kFid)));
        ASSERT_WIRE(newMail + created + folder, wireFor(e, objectSubscription(all))); // whole store
        ASSERT_WIRE(newMail + folder, wireFor(e, objectSubscription(fnev::NewMail | fnev::ObjectModified, kFid)));
    }

    // T and U only with NotificationType 0x0010 ("If this bit is set, the
    // NotificationType MUST be 0x0010", [MS-OXCNOTIF] 2.2.1.4.1.2): a folder
    // event of another type gives its counts as a folder ObjectModified.
    void testFolderEventCountsFollowAsAFolderModified()
    {
        const std::string created = header() + bytes({0x04, 0x00}) // NotificationFlags: ObjectCreated, no T/U
                                    + kFidBytes + kParentBytes     // FolderId, ParentFolderId
                                    + bytes({0x00, 0x00});         // TagCount 0x0000
        const std::string deleted = header() + bytes({0x08, 0x00}) // NotificationFlags: ObjectDeleted, no T/U
                                    + kFidBytes + kParentBytes;    // FolderId, ParentFolderId
        const std::string moved = header() + bytes({0x20, 0x00})   // NotificationFlags: ObjectMoved, no T/U
                                  + kFidBytes + kParentBytes + kOldFidBytes + kOldParentBytes;
        const std::string copied = header() + bytes({0x40, 0x00}) // NotificationFlags: ObjectCopied, no T/U
                                   + kFidBytes + kParentBytes + kOldFidBytes + kOldParentBytes;
        const std::string counts = folderCountsWire(0x30, {
                                                              0x07, 0x00, 0x00, 0x00, // TotalMessageCount 7
                                                              0x02, 0x00, 0x00, 0x00, // UnreadMessageCount 2
                                                          });
        const std::uint16_t all =
            fnev::ObjectCreated | fnev::ObjectDeleted | fnev::ObjectModified | fnev::ObjectMoved | fnev::ObjectCopied;
        const std::pair<EventType, std::string> cases[] = {{EventType::ObjectCreated, created},
                                                           {EventType::ObjectDeleted, deleted},
                                                           {EventType::ObjectMoved, moved},
                                                           {EventType::ObjectCopied, copied}};
        for (const auto& [type, event] : cases) {
            QueueEntry e = folderEntry(type);
            e.totalCount = 7;
            e.unreadCount = 2;
            ASSERT_WIRE(event + counts, wireFor(e, objectSubscription(all, kFid)));    // the folder itself
            ASSERT_WIRE(event + counts, wireFor(e, objectSubscription(all)));          // the whole store
            ASSERT_WIRE(event + counts, wireFor(e, objectSubscription(all, kParent))); // its parent
            ASSERT_WIRE(counts, wireFor(e, objectSubscription(fnev::ObjectModified, kFid)));
            ASSERT_WIRE(event, wireFor(e, objectSubscription(all & ~fnev::ObjectModified, kFid)));
        }
        // One count alone: only its flag and field.
        QueueEntry unread = folderEntry(EventType::ObjectCreated);
        unread.unreadCount = 0;
        ASSERT_WIRE(created + folderCountsWire(0x20, {0x00, 0x00, 0x00, 0x00}), // U, UnreadMessageCount 0
                    wireFor(unread, objectSubscription(all, kFid)));
        // A folder ObjectModified carries its counts itself, once.
        QueueEntry modified = folderEntry(EventType::ObjectModified);
        modified.totalCount = 7;
        modified.unreadCount = 2;
        ASSERT_WIRE(counts, wireFor(modified, objectSubscription(all, kFid)));
    }

    // Counts belong to fnevObjectModified: a subscription asking only for it
    // is told them, whatever the event they came with.
    void testCountsReachASubscriptionAskingOnlyObjectModified()
    {
        QueueEntry mail = messageEntry(EventType::NewMail);
        mail.totalCount = 2;
        mail.unreadCount = 1;
        const std::string counts = folderCountsWire(0x30, {
                                                              0x02, 0x00, 0x00, 0x00, // TotalMessageCount 2
                                                              0x01, 0x00, 0x00, 0x00, // UnreadMessageCount 1
                                                          });
        ASSERT_WIRE(counts, wireFor(mail, objectSubscription(fnev::ObjectModified, kFid)));
        ASSERT_WIRE(counts, wireFor(mail, objectSubscription(fnev::ObjectModified)));
        // Not another folder's subscription, nor one on a message.
        CPPUNIT_ASSERT(!queue::wants(objectSubscription(fnev::ObjectModified, kParent), mail));
        CPPUNIT_ASSERT(
            !queue::wants(Subscription{"session", kHandle, fnev::ObjectModified, kFid, kMid, TableType::None,
                                       messageEntry(EventType::NewMail).messageUri},
                          messageEntry(EventType::NewMail)));
        // Without counts there is nothing for it.
        CPPUNIT_ASSERT(!queue::wants(objectSubscription(fnev::ObjectModified, kFid), messageEntry(EventType::NewMail)));
    }

    void testOnlyTheAskedBitsAreAnswered()
    {
        QueueEntry e = messageEntry(EventType::NewMail);
        e.totalCount = 2; // no ObjectModified asked: no folder notification
        const auto created = notificationsFor(e, objectSubscription(fnev::ObjectCreated, kFid));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, created.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(0x8004), created[0].flags);
        const auto mail = notificationsFor(e, objectSubscription(fnev::NewMail, kFid));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, mail.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(0x8002), mail[0].flags);
    }

    void testMessageSubscriptionGetsNoFolderCounts()
    {
        QueueEntry e = messageEntry(EventType::ObjectModified);
        e.unreadCount = 4;
        const Subscription message{"session", kHandle, fnev::ObjectModified, kFid, kMid, TableType::None, e.messageUri};
        CPPUNIT_ASSERT(queue::wants(message, e));
        const auto out = notificationsFor(e, message);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, out.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(0x8010), out[0].flags);
        // A subscription on another folder hears of the message but not of
        // counts that belong to this folder.
        const QueueEntry moved = [] {
            QueueEntry m = messageEntry(EventType::ObjectMoved);
            m.totalCount = 9;
            return m;
        }();
        const auto source =
            notificationsFor(moved, objectSubscription(fnev::ObjectMoved | fnev::ObjectModified, kOldFid));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, source.size());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(0x8020), source[0].flags);
    }

    void testEveryProducedNotificationRoundTrips()
    {
        const std::uint16_t everything = fnev::NewMail | fnev::ObjectCreated | fnev::ObjectDeleted |
                                         fnev::ObjectModified | fnev::ObjectMoved | fnev::ObjectCopied;
        const EventType types[] = {EventType::NewMail,       EventType::ObjectCreated, EventType::ObjectModified,
                                   EventType::ObjectDeleted, EventType::ObjectMoved,   EventType::ObjectCopied};
        std::size_t seen = 0;
        for (EventType type : types) {
            QueueEntry message = messageEntry(type);
            message.totalCount = 5;
            message.unreadCount = 3;
            message.messageClass = "IPM.Note";
            for (const Subscription& s : {objectSubscription(everything), tableSubscription(TableType::Contents, kFid),
                                          tableSubscription(TableType::Contents, kOldFid)}) {
                if (!queue::wants(s, message))
                    continue;
                for (const NotificationData& d : notificationsFor(message, s)) {
                    assertRoundTrip(d);
                    ++seen;
                }
            }
            if (type == EventType::NewMail)
                continue;
            QueueEntry folder = folderEntry(type);
            folder.totalCount = 5;
            for (const Subscription& s :
                 {objectSubscription(everything), tableSubscription(TableType::Hierarchy, kParent)}) {
                CPPUNIT_ASSERT(queue::wants(s, folder));
                for (const NotificationData& d : notificationsFor(folder, s)) {
                    assertRoundTrip(d);
                    // T and U only on ObjectModified ([MS-OXCNOTIF] 2.2.1.4.1.2).
                    if ((d.flags & (notification_flags::TotalCount | notification_flags::UnreadCount)) != 0)
                        CPPUNIT_ASSERT_EQUAL(fnev::ObjectModified, d.type());
                    ++seen;
                }
            }
        }
        CPPUNIT_ASSERT(seen >= 20);
    }

    void testConcatenatedNotifiesDecodeInOrder()
    {
        NotificationData deleted;
        deleted.flags = fnev::ObjectDeleted | notification_flags::Message;
        deleted.fid = kFid;
        deleted.mid = kMid;
        const std::string wire = encodeRopNotify(1, 0, tableChanged()) + encodeRopNotify(2, 3, deleted);
        const auto decoded = decodeRopNotifies(wire);
        CPPUNIT_ASSERT(decoded.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, decoded->size());
        CPPUNIT_ASSERT((*decoded)[0] == (DecodedNotify{1, 0, tableChanged()}));
        CPPUNIT_ASSERT((*decoded)[1] == (DecodedNotify{2, 3, deleted}));
        const auto empty = decodeRopNotifies(ByteView());
        CPPUNIT_ASSERT(empty.ok() && empty->empty());
    }

    void testTruncatedInputIsRejected()
    {
        QueueEntry e = messageEntry(EventType::NewMail);
        e.totalCount = 2;
        e.unreadCount = 1;
        std::string wire;
        for (const NotificationData& d :
             notificationsFor(e, objectSubscription(fnev::NewMail | fnev::ObjectCreated | fnev::ObjectModified)))
            wire += encodeRopNotify(kHandle, kLogon, d);
        wire += encodeRopNotify(
            kHandle, kLogon,
            notificationsFor(messageEntry(EventType::ObjectMoved), objectSubscription(fnev::ObjectMoved))[0]);
        wire += encodeRopNotify(
            kHandle, kLogon,
            notificationsFor(messageEntry(EventType::ObjectDeleted), tableSubscription(TableType::Contents, kFid))[0]);
        CPPUNIT_ASSERT(decodeRopNotifies(wire).ok());
        // Every proper prefix that does not end on a RopNotify boundary fails.
        const auto whole = decodeRopNotifies(wire);
        std::size_t boundaries = 0;
        for (std::size_t size = 1; size < wire.size(); ++size) {
            const auto result = decodeRopNotifies(std::string_view(wire).substr(0, size));
            if (result.ok()) {
                ++boundaries;
                continue;
            }
            CPPUNIT_ASSERT(result.error().code == ErrorCode::InvalidParameter);
            CPPUNIT_ASSERT_EQUAL(std::string("ropNotify"), result.error().field);
        }
        CPPUNIT_ASSERT_EQUAL(whole->size() - 1, boundaries);
    }

    void testUnknownTypesAreRejected()
    {
        auto rejected = [](const std::string& wire) {
            const auto result = decodeRopNotifies(wire);
            return !result.ok() && result.error().code == ErrorCode::InvalidParameter;
        };
        CPPUNIT_ASSERT(rejected(header() + bytes({0x80, 0x00}) + kFidBytes)); // SearchComplete: not ours
        CPPUNIT_ASSERT(rejected(header() + bytes({0x00, 0x02, 0x00})));       // fnevStatusObjectModified
        CPPUNIT_ASSERT(rejected(header() + bytes({0x00, 0x00})));             // no type at all
        CPPUNIT_ASSERT(rejected(header() + bytes({0x00, 0x01, 0x02, 0x00}))); // TableEventType 2
        std::string otherRop = header() + bytes({0x00, 0x01, 0x01, 0x00});
        otherRop[0] = 0x6E; // RopPending
        CPPUNIT_ASSERT(rejected(otherRop));
        // a MessageClass that never ends
        CPPUNIT_ASSERT(rejected(header() + bytes({0x02, 0x80}) + kFidBytes + kMidBytes +
                                bytes({0, 0, 0, 0, 0x01, 'I', 0, 'P', 0})));
    }

    void testDescribeAndJson()
    {
        QueueEntry e = messageEntry(EventType::NewMail);
        e.messageClass = "IPM.Note";
        const DecodedNotify mail{kHandle, kLogon, notificationsFor(e, objectSubscription(fnev::NewMail))[0]};
        CPPUNIT_ASSERT_EQUAL(std::string("handle=0x11223344 logon=5 NewMail message fid=0x0201000000000001 "
                                         "mid=0x0403000000000001 messageFlags=0x00000000 unicode=1 "
                                         "messageClass=\"IPM.Note\""),
                             describe(mail));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"handle\":287454020,\"logonId\":5,\"flags\":\"0x8002\","
                                         "\"type\":\"NewMail\",\"object\":\"message\",\"searchFolder\":false,"
                                         "\"fid\":\"0x0201000000000001\",\"mid\":\"0x0403000000000001\","
                                         "\"messageFlags\":0,\"unicode\":true,\"messageClass\":\"IPM.Note\"}"),
                             toJson(mail));

        QueueEntry folder = folderEntry(EventType::ObjectModified);
        folder.totalCount = 10;
        folder.unreadCount = 2;
        const DecodedNotify counts{1, 0, notificationsFor(folder, objectSubscription(fnev::ObjectModified))[0]};
        CPPUNIT_ASSERT_EQUAL(std::string("handle=0x00000001 logon=0 ObjectModified folder fid=0x0201000000000001 "
                                         "tags=[] total=10 unread=2"),
                             describe(counts));

        const DecodedNotify row{
            1, 0,
            notificationsFor(messageEntry(EventType::ObjectDeleted), tableSubscription(TableType::Contents, kFid))[0]};
        CPPUNIT_ASSERT_EQUAL(std::string("handle=0x00000001 logon=0 TableModified TABLE_ROW_DELETED "
                                         "rowFid=0x0201000000000001 rowMid=0x0403000000000001 rowInstance=0"),
                             describe(row));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"handle\":1,\"logonId\":0,\"flags\":\"0x0100\",\"type\":\"TableModified\","
                                         "\"tableEvent\":\"TABLE_CHANGED\",\"searchFolder\":false}"),
                             toJson(DecodedNotify{1, 0, tableChanged()}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RopNotifyEncodingTest);
