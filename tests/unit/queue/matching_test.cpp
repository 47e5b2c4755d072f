#include "queue/matching.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace ocs;
using namespace ocs::store;
using ocs::queue::isFolderMovedOutOf;
using ocs::queue::wantedBits;
using ocs::queue::wants;

namespace {

constexpr Fid kInbox = 0x0100000000000001;
constexpr Fid kSent = 0x0200000000000001;
constexpr Fid kChild = 0x0300000000000001;
constexpr Fid kOldParent = 0x0400000000000001;
constexpr Fid kOldChild = 0x0500000000000001;
constexpr Mid kMessage = 0x0A00000000000001;
constexpr Mid kOther = 0x0B00000000000001;

constexpr std::uint16_t kAllObjectBits = fnev::NewMail | fnev::ObjectCreated | fnev::ObjectDeleted |
                                         fnev::ObjectModified | fnev::ObjectMoved | fnev::ObjectCopied;

// Entries and subscriptions name messages by URI; each test id stands for one.
std::string uriOf(Mid mid)
{
    return "sogo://jdoe@INBOX/" + std::to_string(mid) + ".eml";
}

QueueEntry message(EventType type, Fid fid, Mid mid)
{
    QueueEntry e;
    e.type = type;
    e.kind = ObjectKind::Message;
    e.fid = fid;
    e.messageUri = uriOf(mid);
    return e;
}

QueueEntry moved(EventType type, Fid from, Mid oldMid, Fid to, Mid mid)
{
    QueueEntry e = message(type, to, mid);
    e.oldFid = from;
    e.oldMessageUri = uriOf(oldMid);
    return e;
}

QueueEntry folder(EventType type, Fid fid, Fid parent)
{
    QueueEntry e;
    e.type = type;
    e.kind = ObjectKind::Folder;
    e.fid = fid;
    e.parentFid = parent;
    return e;
}

// kOldChild, a child of kOldParent, moved or copied to kInbox as kChild.
QueueEntry folderMoved(EventType type)
{
    QueueEntry e = folder(type, kChild, kInbox);
    e.oldFid = kOldChild;
    e.oldParentFid = kOldParent;
    return e;
}

QueueEntry withCounts(QueueEntry e)
{
    e.totalCount = 10;
    e.unreadCount = 3;
    return e;
}

Subscription object(std::uint16_t flags, Fid fid = 0, Mid mid = 0)
{
    return Subscription{"s", 1, flags, fid, mid, TableType::None, mid ? uriOf(mid) : std::string()};
}

Subscription table(TableType type, Fid fid, std::uint16_t flags = fnev::TableModified)
{
    return Subscription{"s", 1, flags, fid, 0, type, {}};
}

} // namespace

class SubscriptionMatchingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SubscriptionMatchingTest);
    CPPUNIT_TEST(testWantedBitsAreTheTypesBit);
    CPPUNIT_TEST(testNewMailAlsoAnswersObjectCreated);
    CPPUNIT_TEST(testObjectSubscriptionNeedsTheTypeBit);
    CPPUNIT_TEST(testWholeStoreWantsEveryEventItAskedFor);
    CPPUNIT_TEST(testFolderSubscriptionWantsEventsInTheFolder);
    CPPUNIT_TEST(testFolderSubscriptionWantsMovesOutOfTheFolder);
    CPPUNIT_TEST(testFolderSubscriptionWantsChildFolderEvents);
    CPPUNIT_TEST(testOldParentSubscriptionWantsItsChildFoldersMovedOrCopiedAway);
    CPPUNIT_TEST(testCountsAnswerObjectModifiedForTheirFolder);
    CPPUNIT_TEST(testMessageSubscriptionWantsOnlyThatMessage);
    CPPUNIT_TEST(testTableSubscriptionNeedsTableModified);
    CPPUNIT_TEST(testContentsTableWantsMessagesOfItsFolder);
    CPPUNIT_TEST(testAssociatedContentsTableFollowsTheContentsRule);
    CPPUNIT_TEST(testHierarchyTableWantsChildFolders);
    CPPUNIT_TEST(testOldParentsHierarchyTableWantsAFolderMovedOut);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testWantedBitsAreTheTypesBit()
    {
        CPPUNIT_ASSERT_EQUAL(fnev::ObjectCreated, wantedBits(message(EventType::ObjectCreated, kInbox, kMessage)));
        CPPUNIT_ASSERT_EQUAL(fnev::ObjectDeleted, wantedBits(message(EventType::ObjectDeleted, kInbox, kMessage)));
        CPPUNIT_ASSERT_EQUAL(fnev::ObjectModified, wantedBits(folder(EventType::ObjectModified, kInbox, 0)));
        CPPUNIT_ASSERT_EQUAL(fnev::ObjectMoved, wantedBits(message(EventType::ObjectMoved, kInbox, kMessage)));
        CPPUNIT_ASSERT_EQUAL(fnev::ObjectCopied, wantedBits(message(EventType::ObjectCopied, kInbox, kMessage)));
    }

    void testNewMailAlsoAnswersObjectCreated()
    {
        const QueueEntry mail = message(EventType::NewMail, kInbox, kMessage);
        CPPUNIT_ASSERT_EQUAL(static_cast<std::uint16_t>(fnev::NewMail | fnev::ObjectCreated), wantedBits(mail));
        CPPUNIT_ASSERT(wants(object(fnev::NewMail), mail));
        CPPUNIT_ASSERT(wants(object(fnev::ObjectCreated), mail));
        CPPUNIT_ASSERT(wants(object(fnev::ObjectCreated, kInbox), mail));
        // Not the other way round: a created object is not new mail.
        CPPUNIT_ASSERT(!wants(object(fnev::NewMail), message(EventType::ObjectCreated, kInbox, kMessage)));
    }

    void testObjectSubscriptionNeedsTheTypeBit()
    {
        const QueueEntry modified = message(EventType::ObjectModified, kInbox, kMessage);
        CPPUNIT_ASSERT(!wants(object(0), modified));
        CPPUNIT_ASSERT(!wants(object(kAllObjectBits & ~fnev::ObjectModified), modified));
        CPPUNIT_ASSERT(!wants(object(fnev::TableModified), modified));
        CPPUNIT_ASSERT(wants(object(fnev::ObjectModified), modified));
        CPPUNIT_ASSERT(wants(object(fnev::ObjectModified | fnev::NewMail), modified));
        // The same holds within a scope.
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectDeleted, kInbox), modified));
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectDeleted, kInbox, kMessage), modified));
    }

    void testWholeStoreWantsEveryEventItAskedFor()
    {
        const Subscription whole = object(kAllObjectBits);
        CPPUNIT_ASSERT(wants(whole, message(EventType::NewMail, kInbox, kMessage)));
        CPPUNIT_ASSERT(wants(whole, message(EventType::ObjectDeleted, kSent, kOther)));
        CPPUNIT_ASSERT(wants(whole, folder(EventType::ObjectCreated, kChild, kInbox)));
        CPPUNIT_ASSERT(wants(whole, folder(EventType::ObjectModified, kInbox, 0)));
        CPPUNIT_ASSERT(wants(whole, moved(EventType::ObjectMoved, kInbox, kMessage, kSent, kOther)));
        CPPUNIT_ASSERT(!wants(object(fnev::NewMail), message(EventType::ObjectDeleted, kSent, kOther)));
    }

    void testFolderSubscriptionWantsEventsInTheFolder()
    {
        const Subscription inbox = object(kAllObjectBits, kInbox);
        CPPUNIT_ASSERT(wants(inbox, message(EventType::NewMail, kInbox, kMessage)));
        CPPUNIT_ASSERT(wants(inbox, message(EventType::ObjectModified, kInbox, kOther)));
        CPPUNIT_ASSERT(wants(inbox, folder(EventType::ObjectModified, kInbox, 0))); // the folder itself
        CPPUNIT_ASSERT(!wants(inbox, message(EventType::NewMail, kSent, kMessage)));
        CPPUNIT_ASSERT(!wants(inbox, folder(EventType::ObjectModified, kSent, 0)));
        // Moved into the folder.
        CPPUNIT_ASSERT(wants(inbox, moved(EventType::ObjectMoved, kSent, kOther, kInbox, kMessage)));
    }

    void testFolderSubscriptionWantsMovesOutOfTheFolder()
    {
        const QueueEntry out = moved(EventType::ObjectMoved, kInbox, kMessage, kSent, kOther);
        CPPUNIT_ASSERT(wants(object(fnev::ObjectMoved, kInbox), out));
        CPPUNIT_ASSERT(wants(object(fnev::ObjectMoved, kSent), out));
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectMoved, kChild), out));
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectCopied, kInbox), out));
        const QueueEntry copied = moved(EventType::ObjectCopied, kInbox, kMessage, kSent, kOther);
        CPPUNIT_ASSERT(wants(object(fnev::ObjectCopied, kInbox), copied));
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectMoved, kInbox), copied));
    }

    void testFolderSubscriptionWantsChildFolderEvents()
    {
        const Subscription inbox = object(kAllObjectBits, kInbox);
        CPPUNIT_ASSERT(wants(inbox, folder(EventType::ObjectCreated, kChild, kInbox)));
        CPPUNIT_ASSERT(wants(inbox, folder(EventType::ObjectDeleted, kChild, kInbox)));
        CPPUNIT_ASSERT(!wants(inbox, folder(EventType::ObjectCreated, kChild, kSent)));
        // Only folders have children: a message whose parentFid happens to
        // be set is judged by its own folder.
        QueueEntry stray = message(EventType::ObjectCreated, kSent, kMessage);
        stray.parentFid = kInbox;
        CPPUNIT_ASSERT(!wants(inbox, stray));
    }

    void testOldParentSubscriptionWantsItsChildFoldersMovedOrCopiedAway()
    {
        const Subscription oldParent = object(kAllObjectBits, kOldParent);
        CPPUNIT_ASSERT(wants(oldParent, folderMoved(EventType::ObjectMoved)));
        CPPUNIT_ASSERT(wants(oldParent, folderMoved(EventType::ObjectCopied)));
        // Its bit still counts.
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectCopied, kOldParent), folderMoved(EventType::ObjectMoved)));
        // An old parent on anything but a move or copy is no relation.
        QueueEntry stray = folder(EventType::ObjectModified, kChild, kInbox);
        stray.oldParentFid = kOldParent;
        CPPUNIT_ASSERT(!wants(oldParent, stray));
        // Nor on a message (its folder decides).
        QueueEntry message = moved(EventType::ObjectMoved, kSent, kMessage, kInbox, kOther);
        message.oldParentFid = kOldParent;
        CPPUNIT_ASSERT(!wants(oldParent, message));
    }

    void testCountsAnswerObjectModifiedForTheirFolder()
    {
        const Subscription inbox = object(fnev::ObjectModified, kInbox);
        // A message event's counts are its folder's.
        CPPUNIT_ASSERT(wants(inbox, withCounts(message(EventType::NewMail, kInbox, kMessage))));
        CPPUNIT_ASSERT(
            wants(object(fnev::ObjectModified), withCounts(message(EventType::ObjectDeleted, kInbox, kMessage))));
        CPPUNIT_ASSERT(!wants(inbox, message(EventType::NewMail, kInbox, kMessage))); // no counts
        CPPUNIT_ASSERT(
            !wants(object(fnev::ObjectModified, kSent), withCounts(message(EventType::NewMail, kInbox, kMessage))));
        CPPUNIT_ASSERT(
            !wants(object(fnev::ObjectModified, kInbox, kMessage),
                   withCounts(message(EventType::NewMail, kInbox, kMessage)))); // a message: no folder counts
        // Moved out of the folder: the counts are the new folder's.
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectModified, kInbox),
                              withCounts(moved(EventType::ObjectMoved, kInbox, kMessage, kSent, kOther))));
        // A folder event's counts are the folder's own; its parent hears of them.
        CPPUNIT_ASSERT(
            wants(object(fnev::ObjectModified, kChild), withCounts(folder(EventType::ObjectCreated, kChild, kInbox))));
        CPPUNIT_ASSERT(wants(inbox, withCounts(folder(EventType::ObjectCreated, kChild, kInbox))));
        CPPUNIT_ASSERT(
            !wants(object(fnev::ObjectModified, kSent), withCounts(folder(EventType::ObjectCreated, kChild, kInbox))));
        // Only fnevObjectModified is what counts answer to.
        CPPUNIT_ASSERT(
            !wants(object(fnev::ObjectDeleted, kInbox), withCounts(message(EventType::NewMail, kInbox, kMessage))));
        // Tables are not told counts.
        CPPUNIT_ASSERT(!wants(table(TableType::Hierarchy, kSent, fnev::TableModified | fnev::ObjectModified),
                              withCounts(message(EventType::NewMail, kSent, kMessage))));
    }

    void testMessageSubscriptionWantsOnlyThatMessage()
    {
        const Subscription one = object(kAllObjectBits, kInbox, kMessage);
        CPPUNIT_ASSERT(wants(one, message(EventType::ObjectModified, kInbox, kMessage)));
        CPPUNIT_ASSERT(wants(one, message(EventType::ObjectDeleted, kInbox, kMessage)));
        CPPUNIT_ASSERT(!wants(one, message(EventType::ObjectModified, kInbox, kOther))); // same folder, other message
        // Moved away: it answers to its old URI.
        CPPUNIT_ASSERT(wants(one, moved(EventType::ObjectMoved, kInbox, kMessage, kSent, kOther)));
        CPPUNIT_ASSERT(!wants(one, moved(EventType::ObjectMoved, kInbox, kOther, kSent, kOther + 1)));
        // Folder events never concern a message subscription, even in its folder.
        CPPUNIT_ASSERT(!wants(one, folder(EventType::ObjectModified, kInbox, 0)));
        CPPUNIT_ASSERT(!wants(one, folder(EventType::ObjectCreated, kChild, kInbox)));
        // The type bit still counts.
        CPPUNIT_ASSERT(!wants(object(fnev::ObjectDeleted, kInbox, kMessage),
                              message(EventType::ObjectModified, kInbox, kMessage)));
        // A message subscription without its URI (written before URIs) wants nothing.
        Subscription unnamed = one;
        unnamed.messageUri.clear();
        CPPUNIT_ASSERT(!wants(unnamed, message(EventType::ObjectModified, kInbox, kMessage)));
    }

    void testTableSubscriptionNeedsTableModified()
    {
        const QueueEntry mail = message(EventType::NewMail, kInbox, kMessage);
        CPPUNIT_ASSERT(wants(table(TableType::Contents, kInbox), mail));
        // The object bits do not make a table subscription want anything.
        CPPUNIT_ASSERT(!wants(table(TableType::Contents, kInbox, kAllObjectBits), mail));
        CPPUNIT_ASSERT(!wants(table(TableType::Hierarchy, kInbox, kAllObjectBits),
                              folder(EventType::ObjectCreated, kChild, kInbox)));
        // And an object subscription asking only for TableModified wants nothing.
        CPPUNIT_ASSERT(!wants(object(fnev::TableModified), mail));
    }

    void testContentsTableWantsMessagesOfItsFolder()
    {
        const Subscription contents = table(TableType::Contents, kInbox);
        // Every kind of change to a row: the table's bit, not the type's, decides.
        for (EventType type :
             {EventType::NewMail, EventType::ObjectCreated, EventType::ObjectModified, EventType::ObjectDeleted}) {
            CPPUNIT_ASSERT(wants(contents, message(type, kInbox, kMessage)));
            CPPUNIT_ASSERT(!wants(contents, message(type, kSent, kMessage)));
        }
        CPPUNIT_ASSERT(wants(contents, moved(EventType::ObjectMoved, kInbox, kMessage, kSent, kOther))); // a row left
        CPPUNIT_ASSERT(wants(contents, moved(EventType::ObjectMoved, kSent, kOther, kInbox, kMessage))); // a row came
        CPPUNIT_ASSERT(!wants(contents, moved(EventType::ObjectMoved, kSent, kOther, kChild, kMessage)));
        // Folders are not rows of a contents table.
        CPPUNIT_ASSERT(!wants(contents, folder(EventType::ObjectModified, kInbox, 0)));
        CPPUNIT_ASSERT(!wants(contents, folder(EventType::ObjectCreated, kChild, kInbox)));
        // A table without a folder watches nothing (rather than every
        // message whose old folder is also 0).
        CPPUNIT_ASSERT(!wants(table(TableType::Contents, 0), message(EventType::NewMail, kInbox, kMessage)));
    }

    void testAssociatedContentsTableFollowsTheContentsRule()
    {
        const Subscription associated = table(TableType::AssociatedContents, kInbox);
        CPPUNIT_ASSERT(wants(associated, message(EventType::ObjectCreated, kInbox, kMessage)));
        CPPUNIT_ASSERT(!wants(associated, message(EventType::ObjectCreated, kSent, kMessage)));
        CPPUNIT_ASSERT(!wants(associated, folder(EventType::ObjectCreated, kChild, kInbox)));
    }

    void testHierarchyTableWantsChildFolders()
    {
        const Subscription hierarchy = table(TableType::Hierarchy, kInbox);
        CPPUNIT_ASSERT(wants(hierarchy, folder(EventType::ObjectCreated, kChild, kInbox)));
        CPPUNIT_ASSERT(wants(hierarchy, folder(EventType::ObjectModified, kChild, kInbox)));
        CPPUNIT_ASSERT(wants(hierarchy, folder(EventType::ObjectDeleted, kChild, kInbox)));
        CPPUNIT_ASSERT(!wants(hierarchy, folder(EventType::ObjectCreated, kChild, kSent))); // another parent
        CPPUNIT_ASSERT(!wants(hierarchy, folder(EventType::ObjectModified, kInbox, 0)));    // the folder itself
        CPPUNIT_ASSERT(!wants(hierarchy, message(EventType::NewMail, kInbox, kMessage)));   // messages are not rows
        // An unknown parent (0) matches no hierarchy table, not even one of folder 0.
        CPPUNIT_ASSERT(!wants(table(TableType::Hierarchy, 0), folder(EventType::ObjectCreated, kChild, 0)));
    }

    void testOldParentsHierarchyTableWantsAFolderMovedOut()
    {
        const Subscription oldParent = table(TableType::Hierarchy, kOldParent);
        CPPUNIT_ASSERT(wants(oldParent, folderMoved(EventType::ObjectMoved)));
        CPPUNIT_ASSERT(isFolderMovedOutOf(folderMoved(EventType::ObjectMoved), kOldParent));
        CPPUNIT_ASSERT(wants(table(TableType::Hierarchy, kInbox), folderMoved(EventType::ObjectMoved))); // the new one
        // A copy leaves the original, and the old parent's table, as they were.
        CPPUNIT_ASSERT(!wants(oldParent, folderMoved(EventType::ObjectCopied)));
        CPPUNIT_ASSERT(!isFolderMovedOutOf(folderMoved(EventType::ObjectCopied), kOldParent));
        CPPUNIT_ASSERT(wants(table(TableType::Hierarchy, kInbox), folderMoved(EventType::ObjectCopied)));
        // Moved within one parent: that table is the new parent's, not left.
        QueueEntry renamed = folderMoved(EventType::ObjectMoved);
        renamed.oldParentFid = kInbox;
        CPPUNIT_ASSERT(!isFolderMovedOutOf(renamed, kInbox));
        CPPUNIT_ASSERT(wants(table(TableType::Hierarchy, kInbox), renamed));
        // Contents tables have no folder rows; an unknown old parent (0) no table.
        CPPUNIT_ASSERT(!wants(table(TableType::Contents, kOldParent), folderMoved(EventType::ObjectMoved)));
        QueueEntry unknown = folderMoved(EventType::ObjectMoved);
        unknown.oldParentFid = 0;
        CPPUNIT_ASSERT(!wants(table(TableType::Hierarchy, 0), unknown));
        CPPUNIT_ASSERT(!isFolderMovedOutOf(unknown, 0));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SubscriptionMatchingTest);
