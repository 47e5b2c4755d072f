#include "queue/event_router.hpp"
#include "store/queue_store.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace ocs;
using namespace ocs::store;
using ocs::auth::Permissions;
using ocs::queue::Backends;
using ocs::queue::CommitWriter;
using ocs::queue::Delivery;
using ocs::queue::Event;
using ocs::queue::EventResult;
using ocs::queue::EventRouter;
using ocs::queue::Producer;

namespace {

const Fid kInbox = makeMapiId(0x10, 1);
const Fid kArchive = makeMapiId(0x11, 1);
const Fid kSub = makeMapiId(0x12, 1);
const std::string kAccount = "sogo-producer";
constexpr std::size_t kMaxField = 256;

const QueueKey kAliceStore{"alice", 0, TableType::None};
const QueueKey kAliceInbox{"alice", kInbox, TableType::None};

Permissions everything()
{
    return Permissions{{"SOGo"},
                       {EventType::NewMail, EventType::ObjectCreated, EventType::ObjectModified,
                        EventType::ObjectDeleted, EventType::ObjectMoved, EventType::ObjectCopied}};
}

Event newMail(const std::string& message = "61", const std::string& folder = "INBOX",
              const std::string& username = "jdoe")
{
    Event event;
    event.type = EventType::NewMail;
    event.kind = ObjectKind::Message;
    event.backend = "SOGo";
    event.username = username;
    event.folder = folder;
    event.messageId = message;
    return event;
}

Event folderEvent(EventType type, const std::string& folder, const std::string& parent)
{
    Event event;
    event.type = type;
    event.kind = ObjectKind::Folder;
    event.backend = "SOGo";
    event.username = "jdoe";
    event.folder = folder;
    event.parentFolder = parent;
    return event;
}

Subscription hierarchyOf(Fid fid)
{
    return Subscription{"s1", 1, fnev::TableModified, fid, 0, TableType::Hierarchy, {}};
}

Subscription wholeStore(const std::string& session, std::uint32_t handle, std::uint16_t flags = fnev::NewMail)
{
    return Subscription{session, handle, flags, 0, 0, TableType::None, {}};
}

} // namespace

class EventRouterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EventRouterTest);
    CPPUNIT_TEST(testNoBindingQueuesNothing);
    CPPUNIT_TEST(testNewMailGivesOneCompleteEntry);
    CPPUNIT_TEST(testSameNewMailAgainIsADuplicate);
    CPPUNIT_TEST(testSessionsOnOneQueueShareOneEntry);
    CPPUNIT_TEST(testSubscriptionsOnDifferentQueuesGetOneEntryEach);
    CPPUNIT_TEST(testUnwantedEventQueuesNothing);
    CPPUNIT_TEST(testUnmappedFolderQueuesNothing);
    CPPUNIT_TEST(testEveryBoundUserGetsItsEntry);
    CPPUNIT_TEST(testUnknownBackendIsRefused);
    CPPUNIT_TEST(testBackendWithoutPermissionIsForbidden);
    CPPUNIT_TEST(testEventTypeWithoutPermissionIsForbidden);
    CPPUNIT_TEST(testInvalidFieldsAreNamed);
    CPPUNIT_TEST(testInvalidEventDoesNotStopTheOthers);
    CPPUNIT_TEST(testBackendUserIsCaseInsensitive);
    CPPUNIT_TEST(testMoveGivesOldFolderAndOldMessage);
    CPPUNIT_TEST(testFolderEventReachesTheParentsHierarchyTable);
    CPPUNIT_TEST(testFolderMoveGivesTheOldParent);
    CPPUNIT_TEST(testModifiedMessageIsNeverADuplicate);
    CPPUNIT_TEST(testReadOnlyStoreFailsEveryEvent);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        auto registry = Registry::open(directory_->path());
        CPPUNIT_ASSERT(registry.ok());
        registry_ = std::move(*registry);
        openQueues(Access::ReadWrite);
        clock_.advance(std::chrono::milliseconds(1234));
    }

    void tearDown() override
    {
        closeQueues();
        registry_.reset();
        directory_.reset();
    }

    void testNoBindingQueuesNothing()
    {
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", kInbox).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        const auto result = deliverOne(newMail());
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT(result->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(0u, result->queues);
        CPPUNIT_ASSERT(read(kAliceStore).empty());
    }

    void testNewMailGivesOneCompleteEntry()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        Event event = newMail();
        event.messageClass = "IPM.Note";
        event.flags = 0x01;
        event.totalCount = 5;
        event.unreadCount = 2;
        const auto result = deliverOne(event);
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT(result->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(1u, result->queues);

        const auto entries = read(kAliceStore);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
        const QueueEntry& e = entries[0];
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, e.sequence);
        CPPUNIT_ASSERT(e.type == EventType::NewMail);
        CPPUNIT_ASSERT(e.kind == ObjectKind::Message);
        CPPUNIT_ASSERT_EQUAL(kInbox, e.fid);
        // The message by URI: its id is OpenChange's, given when a session drains.
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/61.eml"), e.messageUri);
        CPPUNIT_ASSERT_EQUAL(Mid{0}, e.mid);
        CPPUNIT_ASSERT_EQUAL(Fid{0}, e.oldFid);
        CPPUNIT_ASSERT(e.oldMessageUri.empty());
        CPPUNIT_ASSERT_EQUAL(Fid{0}, e.parentFid);
        CPPUNIT_ASSERT_EQUAL(kAccount, e.producer);
        CPPUNIT_ASSERT_EQUAL(std::string("IPM.Note"), e.messageClass);
        CPPUNIT_ASSERT(e.messageFlags == std::optional<std::uint32_t>(0x01));
        CPPUNIT_ASSERT(e.totalCount == std::optional<std::uint32_t>(5));
        CPPUNIT_ASSERT(e.unreadCount == std::optional<std::uint32_t>(2));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1'700'000'001'234}, e.timeMs); // the clock's wall time
        // Nothing else was queued anywhere.
        CPPUNIT_ASSERT(read(kAliceInbox).empty());
    }

    void testSameNewMailAgainIsADuplicate()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        CPPUNIT_ASSERT_EQUAL(1u, deliverOne(newMail())->queues);
        clock_.advance(std::chrono::seconds(5));

        const auto again = deliverOne(newMail());
        CPPUNIT_ASSERT(again.ok());
        CPPUNIT_ASSERT(again->status == Delivery::Duplicate);
        CPPUNIT_ASSERT_EQUAL(0u, again->queues);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, read(kAliceStore).size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, store_->state(kAliceStore)->next);
        // A duplicate within one call too: the first queues, the second does not.
        const auto both = deliver({newMail("62"), newMail("62")});
        CPPUNIT_ASSERT(both[0].ok() && both[0]->status == Delivery::Queued && both[0]->queues == 1);
        CPPUNIT_ASSERT(both[1].ok() && both[1]->status == Delivery::Duplicate && both[1]->queues == 0);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, read(kAliceStore).size());
    }

    void testSessionsOnOneQueueShareOneEntry()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s2", 7, fnev::ObjectCreated)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s2", 8, fnev::NewMail | fnev::ObjectDeleted)).ok());
        const auto result = deliverOne(newMail());
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT_EQUAL(1u, result->queues);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, read(kAliceStore).size());
    }

    void testSubscriptionsOnDifferentQueuesGetOneEntryEach()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        CPPUNIT_ASSERT(
            registry_->subscribe("alice", Subscription{"s1", 2, fnev::NewMail, kInbox, 0, TableType::None, {}}).ok());
        CPPUNIT_ASSERT(
            registry_
                ->subscribe("alice", Subscription{"s2", 1, fnev::TableModified, kInbox, 0, TableType::Contents, {}})
                .ok());
        // A folder subscription elsewhere does not want it.
        CPPUNIT_ASSERT(
            registry_->subscribe("alice", Subscription{"s2", 2, fnev::NewMail, kArchive, 0, TableType::None, {}}).ok());
        const auto result = deliverOne(newMail());
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT_EQUAL(3u, result->queues);
        const auto store = read(kAliceStore);
        const auto inbox = read(kAliceInbox);
        const auto contents = read(QueueKey{"alice", kInbox, TableType::Contents});
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, store.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, inbox.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, contents.size());
        CPPUNIT_ASSERT(read(QueueKey{"alice", kArchive, TableType::None}).empty());
        // One message, one URI, in every queue.
        CPPUNIT_ASSERT_EQUAL(store[0].messageUri, inbox[0].messageUri);
        CPPUNIT_ASSERT_EQUAL(store[0].messageUri, contents[0].messageUri);
    }

    void testUnwantedEventQueuesNothing()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1, fnev::ObjectDeleted)).ok());
        const auto result = deliverOne(newMail());
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT(result->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(0u, result->queues);
        CPPUNIT_ASSERT(read(kAliceStore).empty());
    }

    void testUnmappedFolderQueuesNothing()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        const auto result = deliverOne(newMail("61", "Drafts"));
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT(result->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(0u, result->queues);
        CPPUNIT_ASSERT(read(kAliceStore).empty());
        // Seen all the same: the duplicate window is about messages, not users.
        CPPUNIT_ASSERT(deliverOne(newMail("61", "Drafts"))->status == Delivery::Duplicate);
    }

    void testEveryBoundUserGetsItsEntry()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->bind("bob", "SOGo", "jdoe").ok()); // a delegate
        CPPUNIT_ASSERT(registry_->mapFolder("bob", "sogo://jdoe@INBOX/", kArchive).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("bob", wholeStore("s9", 1)).ok());
        const auto result = deliverOne(newMail());
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT_EQUAL(2u, result->queues);
        const auto alice = read(kAliceStore);
        const auto bob = read(QueueKey{"bob", 0, TableType::None});
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, alice.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, bob.size());
        CPPUNIT_ASSERT_EQUAL(kInbox, alice[0].fid);
        CPPUNIT_ASSERT_EQUAL(kArchive, bob[0].fid); // each user's own folder id
        CPPUNIT_ASSERT_EQUAL(alice[0].messageUri, bob[0].messageUri);
    }

    void testUnknownBackendIsRefused()
    {
        setUpAlice();
        Event event = newMail();
        event.backend = "Nope";
        expectError(deliverOne(event, Permissions{{"*"}, everything().eventTypes}), ErrorCode::UnknownBackend,
                    "backend");
        event.backend = "sogo"; // names are exact
        expectError(deliverOne(event, Permissions{{"*"}, everything().eventTypes}), ErrorCode::UnknownBackend,
                    "backend");
    }

    void testBackendWithoutPermissionIsForbidden()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        expectError(deliverOne(newMail(), Permissions{{"Other"}, everything().eventTypes}), ErrorCode::AccessForbidden,
                    "backend");
        expectError(deliverOne(newMail(), Permissions{{}, everything().eventTypes}), ErrorCode::AccessForbidden,
                    "backend");
        CPPUNIT_ASSERT(read(kAliceStore).empty());
        const auto allowed = deliverOne(newMail(), Permissions{{"*"}, everything().eventTypes});
        CPPUNIT_ASSERT(allowed.ok());
        CPPUNIT_ASSERT_EQUAL(1u, allowed->queues);
    }

    void testEventTypeWithoutPermissionIsForbidden()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        expectError(deliverOne(newMail(), Permissions{{"SOGo"}, {EventType::ObjectCreated}}),
                    ErrorCode::AccessForbidden, "type");
        expectError(deliverOne(newMail(), Permissions{{"SOGo"}, {}}), ErrorCode::AccessForbidden, "type");
        CPPUNIT_ASSERT(read(kAliceStore).empty());
        // Refused events index nothing: the message is new when allowed.
        const auto allowed = deliverOne(newMail(), Permissions{{"SOGo"}, {EventType::NewMail}});
        CPPUNIT_ASSERT(allowed.ok());
        CPPUNIT_ASSERT(allowed->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(1u, allowed->queues);
    }

    void testInvalidFieldsAreNamed()
    {
        setUpAlice();
        expectError(deliverOne(newMail("61", "INBOX", "")), ErrorCode::InvalidParameter, "username");
        expectError(deliverOne(newMail("61", "IN\x01"
                                             "BOX")),
                    ErrorCode::InvalidParameter, "folder");
        expectError(deliverOne(newMail("61", "INBOX\x7F")), ErrorCode::InvalidParameter, "folder");
        expectError(deliverOne(newMail("61", "")), ErrorCode::InvalidParameter, "folder");
        expectError(deliverOne(newMail("")), ErrorCode::InvalidParameter, "messageID");
        expectError(deliverOne(newMail("6\n1")), ErrorCode::InvalidParameter, "messageID");
        expectError(deliverOne(newMail("61", "INBOX", std::string(kMaxField + 1, 'j'))), ErrorCode::InvalidParameter,
                    "username");
        expectError(deliverOne(newMail("61", "INBOX", "j\xFF")), ErrorCode::InvalidParameter, "username");
        Event empty = newMail();
        empty.backend = "";
        expectError(deliverOne(empty), ErrorCode::InvalidParameter, "backend");
        Event folderMail = newMail();
        folderMail.kind = ObjectKind::Folder;
        expectError(deliverOne(folderMail), ErrorCode::InvalidParameter, "kind");
        Event move = newMail();
        move.type = EventType::ObjectMoved;
        expectError(deliverOne(move), ErrorCode::InvalidParameter, "oldFolder");
        Event badClass = newMail();
        badClass.messageClass = "IPM.\x1FNote";
        expectError(deliverOne(badClass), ErrorCode::InvalidParameter, "messageClass");
        Event badParent = newMail();
        badParent.parentFolder = "a\tb";
        expectError(deliverOne(badParent), ErrorCode::InvalidParameter, "parentFolder");
        Event badOldParent = newMail();
        badOldParent.oldParentFolder = std::string(kMaxField + 1, 'p');
        expectError(deliverOne(badOldParent), ErrorCode::InvalidParameter, "oldParentFolder");
        badOldParent.oldParentFolder = "INBOX\x7F";
        expectError(deliverOne(badOldParent), ErrorCode::InvalidParameter, "oldParentFolder");
        // None of them entered the duplicate window.
        CPPUNIT_ASSERT(deliverOne(newMail())->status == Delivery::Queued);
    }

    void testInvalidEventDoesNotStopTheOthers()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        Event unknown = newMail("99");
        unknown.backend = "Nope";
        const auto results = deliver({newMail("61"), newMail("62", "INBOX", ""), unknown, newMail("63")});
        CPPUNIT_ASSERT_EQUAL(std::size_t{4}, results.size());
        CPPUNIT_ASSERT(results[0].ok() && results[0]->queues == 1);
        expectError(results[1], ErrorCode::InvalidParameter, "username");
        expectError(results[2], ErrorCode::UnknownBackend, "backend");
        CPPUNIT_ASSERT(results[3].ok() && results[3]->queues == 1);
        // In the order of the call.
        const auto entries = read(kAliceStore);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, entries.size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/61.eml"), entries[0].messageUri);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/63.eml"), entries[1].messageUri);
        CPPUNIT_ASSERT(deliver({}).empty());
    }

    void testBackendUserIsCaseInsensitive()
    {
        setUpAlice(); // bound and mapped as "jdoe"
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        const auto result = deliverOne(newMail("61", "INBOX", "JDoe"));
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT_EQUAL(1u, result->queues);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/61.eml"), read(kAliceStore)[0].messageUri);
        // The same message under another spelling of the user is a duplicate.
        const auto again = deliverOne(newMail("61", "INBOX", "JDOE"));
        CPPUNIT_ASSERT(again.ok());
        CPPUNIT_ASSERT(again->status == Delivery::Duplicate);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, read(kAliceStore).size());
    }

    void testMoveGivesOldFolderAndOldMessage()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Archive/", kArchive).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1, fnev::NewMail | fnev::ObjectMoved)).ok());
        CPPUNIT_ASSERT(
            registry_->subscribe("alice", Subscription{"s1", 2, fnev::ObjectMoved, kInbox, 0, TableType::None, {}})
                .ok());
        CPPUNIT_ASSERT_EQUAL(1u, deliverOne(newMail())->queues);

        Event move;
        move.type = EventType::ObjectMoved;
        move.backend = "SOGo";
        move.username = "jdoe";
        move.folder = "Archive";
        move.messageId = "61";
        move.oldFolder = "INBOX";
        const auto result = deliverOne(move);
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT(result->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(2u, result->queues); // the whole store and the folder it left

        const auto store = read(kAliceStore);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, store.size());
        const QueueEntry& e = store[1];
        CPPUNIT_ASSERT(e.type == EventType::ObjectMoved);
        CPPUNIT_ASSERT_EQUAL(kArchive, e.fid);
        CPPUNIT_ASSERT_EQUAL(kInbox, e.oldFid);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/61.eml"), e.oldMessageUri);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@Archive/61.eml"), e.messageUri);
        const auto inbox = read(kAliceInbox);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, inbox.size());
        CPPUNIT_ASSERT_EQUAL(e.messageUri, inbox[0].messageUri);

        // The message is in Archive now: the same move again is a duplicate.
        const auto again = deliverOne(move);
        CPPUNIT_ASSERT(again.ok());
        CPPUNIT_ASSERT(again->status == Delivery::Duplicate);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, read(kAliceStore).size());

        // A renamed message: oldMessageId names where it came from.
        Event renamed = move;
        renamed.type = EventType::ObjectCopied;
        renamed.messageId = "70";
        renamed.oldMessageId = "61";
        renamed.folder = "INBOX";
        renamed.oldFolder = "Archive";
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1, fnev::ObjectCopied)).ok());
        CPPUNIT_ASSERT_EQUAL(1u, deliverOne(renamed)->queues);
        const QueueEntry copied = read(kAliceStore).back();
        CPPUNIT_ASSERT_EQUAL(e.messageUri, copied.oldMessageUri);
        CPPUNIT_ASSERT_EQUAL(kArchive, copied.oldFid);
        CPPUNIT_ASSERT_EQUAL(kInbox, copied.fid);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/70.eml"), copied.messageUri);
    }

    void testFolderEventReachesTheParentsHierarchyTable()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/Sub/", kSub).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", hierarchyOf(kInbox)).ok());
        const Event created = folderEvent(EventType::ObjectCreated, "INBOX/Sub", "INBOX");
        const auto result = deliverOne(created);
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT_EQUAL(1u, result->queues);
        const auto entries = read(QueueKey{"alice", kInbox, TableType::Hierarchy});
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
        CPPUNIT_ASSERT(entries[0].kind == ObjectKind::Folder);
        CPPUNIT_ASSERT_EQUAL(kSub, entries[0].fid);
        CPPUNIT_ASSERT_EQUAL(kInbox, entries[0].parentFid);
        CPPUNIT_ASSERT(entries[0].messageUri.empty());
        // Folder events are not message arrivals: never duplicates.
        CPPUNIT_ASSERT(deliverOne(created)->status == Delivery::Queued);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, read(QueueKey{"alice", kInbox, TableType::Hierarchy}).size());
    }

    // INBOX/Sub moved to Archive/Sub: the entry names the parent it left,
    // as the user's OpenChange knows it, and the old parent's hierarchy
    // table hears of it.
    void testFolderMoveGivesTheOldParent()
    {
        setUpAlice();
        const Fid oldSub = makeMapiId(0x13, 1);
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Archive/", kArchive).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/Sub/", oldSub).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Archive/Sub/", kSub).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", hierarchyOf(kInbox)).ok());
        Event move = folderEvent(EventType::ObjectMoved, "Archive/Sub", "Archive");
        move.oldFolder = "INBOX/Sub";
        move.oldParentFolder = "INBOX";
        const auto result = deliverOne(move);
        CPPUNIT_ASSERT(result.ok());
        CPPUNIT_ASSERT_EQUAL(1u, result->queues);
        const auto entries = read(QueueKey{"alice", kInbox, TableType::Hierarchy});
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries.size());
        CPPUNIT_ASSERT_EQUAL(kSub, entries[0].fid);
        CPPUNIT_ASSERT_EQUAL(kArchive, entries[0].parentFid);
        CPPUNIT_ASSERT_EQUAL(oldSub, entries[0].oldFid);
        CPPUNIT_ASSERT_EQUAL(kInbox, entries[0].oldParentFid);

        // An old parent the user's OpenChange does not know is 0, like an
        // unknown parent.
        move.oldParentFolder = "Nowhere";
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 2, fnev::ObjectMoved)).ok());
        CPPUNIT_ASSERT_EQUAL(1u, deliverOne(move)->queues);
        const auto store = read(kAliceStore);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, store.size());
        CPPUNIT_ASSERT_EQUAL(Fid{0}, store[0].oldParentFid);
        CPPUNIT_ASSERT_EQUAL(kArchive, store[0].parentFid);
    }

    void testModifiedMessageIsNeverADuplicate()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1, fnev::NewMail | fnev::ObjectModified)).ok());
        CPPUNIT_ASSERT_EQUAL(1u, deliverOne(newMail())->queues);
        Event modified = newMail();
        modified.type = EventType::ObjectModified;
        for (int i = 0; i < 2; ++i) {
            const auto result = deliverOne(modified);
            CPPUNIT_ASSERT(result.ok());
            CPPUNIT_ASSERT(result->status == Delivery::Queued);
            CPPUNIT_ASSERT_EQUAL(1u, result->queues);
        }
        const auto entries = read(kAliceStore);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, entries.size());
        CPPUNIT_ASSERT_EQUAL(entries[0].messageUri, entries[2].messageUri); // the same message
    }

    void testReadOnlyStoreFailsEveryEvent()
    {
        setUpAlice();
        CPPUNIT_ASSERT(registry_->subscribe("alice", wholeStore("s1", 1)).ok());
        closeQueues();
        openQueues(Access::ReadOnly);
        const auto results = deliver({newMail("61"), newMail("62", "Drafts"), newMail("63", "INBOX", "")});
        for (std::size_t i = 0; i < 2; ++i) {
            CPPUNIT_ASSERT(!results[i].ok());
            CPPUNIT_ASSERT(results[i].error().code == ErrorCode::StoreUnavailable);
            CPPUNIT_ASSERT(results[i].error().field.empty());
        }
        expectError(results[2], ErrorCode::InvalidParameter, "username"); // its own error
        CPPUNIT_ASSERT(read(kAliceStore).empty());
    }

  private:
    void openQueues(Access access)
    {
        QueueStoreOptions options;
        options.access = access;
        options.sync = false;
        auto store = QueueStore::open(directory_->path(), options);
        CPPUNIT_ASSERT_MESSAGE(store ? "" : store.error().detail, store.ok());
        store_ = std::move(*store);
        writer_ = std::make_unique<CommitWriter>(*store_, 64);
        router_ = std::make_unique<EventRouter>(backends_, *registry_, *writer_, clock_, kMaxField);
    }

    void closeQueues()
    {
        router_.reset();
        writer_.reset();
        store_.reset();
    }

    // alice works as SOGo's jdoe and knows jdoe's INBOX.
    void setUpAlice()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", kInbox).ok());
    }

    std::vector<Result<EventResult>> deliver(const std::vector<Event>& events,
                                             const Permissions& permissions = everything())
    {
        const auto results = router_->deliver(events, Producer{kAccount, permissions});
        CPPUNIT_ASSERT_EQUAL(events.size(), results.size());
        return results;
    }

    Result<EventResult> deliverOne(const Event& event, const Permissions& permissions = everything())
    {
        return deliver({event}, permissions).at(0);
    }

    static void expectError(const Result<EventResult>& result, ErrorCode code, const std::string& field)
    {
        CPPUNIT_ASSERT(!result.ok());
        CPPUNIT_ASSERT_EQUAL(std::string(errorRow(code).name), std::string(result.error().row().name));
        CPPUNIT_ASSERT_EQUAL(field, result.error().field);
    }

    std::vector<QueueEntry> read(const QueueKey& queue)
    {
        auto entries = store_->read(queue, 1, 1000);
        CPPUNIT_ASSERT(entries.ok());
        return *entries;
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<Registry> registry_;
    std::unique_ptr<QueueStore> store_;
    std::unique_ptr<CommitWriter> writer_;
    std::unique_ptr<EventRouter> router_;
    Backends backends_{{defaultSogoBackend()}};
    ManualClock clock_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(EventRouterTest);
