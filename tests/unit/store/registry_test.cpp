#include "store/registry.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace ocs;
using namespace ocs::store;

namespace {

Subscription subscription(const std::string& session, std::uint32_t handle, std::uint16_t flags, Fid fid = 0,
                          Mid mid = 0, TableType table = TableType::None)
{
    return Subscription{session, handle, flags, fid, mid, table, {}};
}

} // namespace

class RegistryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RegistryTest);
    CPPUNIT_TEST(testBindingIsReferenceCounted);
    CPPUNIT_TEST(testUnbindOfUnknownBindingSaysFalse);
    CPPUNIT_TEST(testSeveralUsersBoundToOneBackendUser);
    CPPUNIT_TEST(testBindingsAreExactPerBackendAndUser);
    CPPUNIT_TEST(testFolderMapWorksBothWays);
    CPPUNIT_TEST(testRemappingAUriMovesItToTheNewId);
    CPPUNIT_TEST(testFolderMapsArePerUser);
    CPPUNIT_TEST(testSubscribeKeepsEverySubscription);
    CPPUNIT_TEST(testSubscribingTheSameHandleAgainReplacesIt);
    CPPUNIT_TEST(testUnsubscribeRemovesOnlyThatHandle);
    CPPUNIT_TEST(testCloseSessionRemovesOnlyThatSession);
    CPPUNIT_TEST(testCloseSessionRemovesTheSessionsCursors);
    CPPUNIT_TEST(testCursorGoesWithTheLastSubscriptionOnItsQueue);
    CPPUNIT_TEST(testSubscribeSetsAStartingCursorOnlyWhenThereIsNone);
    CPPUNIT_TEST(testCursorsArePerSessionAndQueue);
    CPPUNIT_TEST(testVisitSeesEveryRecord);
    CPPUNIT_TEST(testWatchersAreAddedOnceAndRemoved);
    CPPUNIT_TEST(testStateSurvivesReopen);
    CPPUNIT_TEST(testFileIsOwnerOnly);
    CPPUNIT_TEST(testReadOnlyRegistryRefusesChanges);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        registry_ = open(Access::ReadWrite);
    }

    void tearDown() override
    {
        registry_.reset();
        directory_.reset();
    }

    void testBindingIsReferenceCounted()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"}); // one holder, two references

        CPPUNIT_ASSERT(unbind("alice", "SOGo", "jdoe"));
        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"});
        CPPUNIT_ASSERT(unbind("alice", "SOGo", "jdoe"));
        CPPUNIT_ASSERT(users("SOGo", "jdoe").empty());
        CPPUNIT_ASSERT(!unbind("alice", "SOGo", "jdoe"));

        // The record is gone with its last holder: visit finds no binding.
        int bindings = 0;
        Registry::Visitor visitor;
        visitor.binding = [&](const std::string&, const std::string&, const std::vector<BindingHolder>&) {
            ++bindings;
        };
        CPPUNIT_ASSERT(registry_->visit(visitor).ok());
        CPPUNIT_ASSERT_EQUAL(0, bindings);
    }

    void testUnbindOfUnknownBindingSaysFalse()
    {
        CPPUNIT_ASSERT(!unbind("alice", "SOGo", "jdoe"));
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(!unbind("bob", "SOGo", "jdoe"));    // another holder
        CPPUNIT_ASSERT(!unbind("alice", "SOGo", "other")); // another backend user
        CPPUNIT_ASSERT(!unbind("alice", "Other", "jdoe")); // another backend
        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"});
    }

    void testSeveralUsersBoundToOneBackendUser()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "shared").ok());
        CPPUNIT_ASSERT(registry_->bind("bob", "SOGo", "shared").ok());
        CPPUNIT_ASSERT(registry_->bind("bob", "SOGo", "shared").ok());
        CPPUNIT_ASSERT(sorted(users("SOGo", "shared")) == (std::vector<std::string>{"alice", "bob"}));
        CPPUNIT_ASSERT(unbind("alice", "SOGo", "shared"));
        CPPUNIT_ASSERT(users("SOGo", "shared") == std::vector<std::string>{"bob"});
        CPPUNIT_ASSERT(unbind("bob", "SOGo", "shared"));
        CPPUNIT_ASSERT(users("SOGo", "shared") == std::vector<std::string>{"bob"});
        CPPUNIT_ASSERT(unbind("bob", "SOGo", "shared"));
        CPPUNIT_ASSERT(users("SOGo", "shared").empty());
    }

    void testBindingsAreExactPerBackendAndUser()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(users("SOGo", "JDoe").empty()); // the registry does not fold case
        CPPUNIT_ASSERT(users("sogo", "jdoe").empty());
        CPPUNIT_ASSERT(users("SOGo", "jdo").empty());
        CPPUNIT_ASSERT(users("Other", "jdoe").empty());
    }

    void testFolderMapWorksBothWays()
    {
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0100000000000001).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Sent/", 0x0200000000000001).ok());
        CPPUNIT_ASSERT(folderId("alice", "sogo://jdoe@INBOX/") == std::optional<Fid>(0x0100000000000001));
        CPPUNIT_ASSERT(folderId("alice", "sogo://jdoe@Sent/") == std::optional<Fid>(0x0200000000000001));
        CPPUNIT_ASSERT(folderUri("alice", 0x0100000000000001) == std::optional<std::string>("sogo://jdoe@INBOX/"));
        CPPUNIT_ASSERT(folderUri("alice", 0x0200000000000001) == std::optional<std::string>("sogo://jdoe@Sent/"));
        CPPUNIT_ASSERT(!folderId("alice", "sogo://jdoe@Trash/"));
        CPPUNIT_ASSERT(!folderUri("alice", 0x0300000000000001));
        // Mapping the same pair again changes nothing.
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0100000000000001).ok());
        CPPUNIT_ASSERT(folderUri("alice", 0x0100000000000001) == std::optional<std::string>("sogo://jdoe@INBOX/"));
    }

    void testRemappingAUriMovesItToTheNewId()
    {
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0100000000000001).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0500000000000001).ok());
        CPPUNIT_ASSERT(folderId("alice", "sogo://jdoe@INBOX/") == std::optional<Fid>(0x0500000000000001));
        CPPUNIT_ASSERT(folderUri("alice", 0x0500000000000001) == std::optional<std::string>("sogo://jdoe@INBOX/"));
        CPPUNIT_ASSERT(!folderUri("alice", 0x0100000000000001)); // the old id no longer names it

        // An id given to another URI names that URI from now on.
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Renamed/", 0x0500000000000001).ok());
        CPPUNIT_ASSERT(folderUri("alice", 0x0500000000000001) == std::optional<std::string>("sogo://jdoe@Renamed/"));
        CPPUNIT_ASSERT(folderId("alice", "sogo://jdoe@Renamed/") == std::optional<Fid>(0x0500000000000001));
    }

    void testFolderMapsArePerUser()
    {
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0100000000000001).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("bob", "sogo://jdoe@INBOX/", 0x0900000000000001).ok());
        CPPUNIT_ASSERT(folderId("alice", "sogo://jdoe@INBOX/") == std::optional<Fid>(0x0100000000000001));
        CPPUNIT_ASSERT(folderId("bob", "sogo://jdoe@INBOX/") == std::optional<Fid>(0x0900000000000001));
        CPPUNIT_ASSERT(!folderUri("bob", 0x0100000000000001));
        CPPUNIT_ASSERT(!folderId("carol", "sogo://jdoe@INBOX/"));
    }

    void testSubscribeKeepsEverySubscription()
    {
        const auto whole = subscription("s1", 1, fnev::NewMail);
        const auto folder = subscription("s1", 2, fnev::ObjectCreated | fnev::ObjectDeleted, 0x0100000000000001);
        const auto table = subscription("s2", 1, fnev::TableModified, 0x0100000000000001, 0, TableType::Contents);
        for (const auto& s : {whole, folder, table})
            CPPUNIT_ASSERT(registry_->subscribe("alice", s).ok());
        const auto list = subscriptions("alice");
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, list.size());
        CPPUNIT_ASSERT(contains(list, whole));
        CPPUNIT_ASSERT(contains(list, folder));
        CPPUNIT_ASSERT(contains(list, table));
        CPPUNIT_ASSERT(subscriptions("bob").empty());
    }

    void testSubscribingTheSameHandleAgainReplacesIt()
    {
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s2", 1, fnev::NewMail)).ok());
        const auto replacement = subscription("s1", 1, fnev::ObjectModified, 0x0100000000000001);
        CPPUNIT_ASSERT(registry_->subscribe("alice", replacement).ok());
        const auto list = subscriptions("alice");
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, list.size());
        CPPUNIT_ASSERT(contains(list, replacement));
        CPPUNIT_ASSERT(contains(list, subscription("s2", 1, fnev::NewMail))); // same handle, other session
        CPPUNIT_ASSERT(!contains(list, subscription("s1", 1, fnev::NewMail)));
    }

    void testUnsubscribeRemovesOnlyThatHandle()
    {
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 2, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s2", 1, fnev::NewMail)).ok());

        CPPUNIT_ASSERT(unsubscribe("alice", "s1", 1));
        auto list = subscriptions("alice");
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, list.size());
        CPPUNIT_ASSERT(contains(list, subscription("s1", 2, fnev::NewMail)));
        CPPUNIT_ASSERT(contains(list, subscription("s2", 1, fnev::NewMail)));

        CPPUNIT_ASSERT(!unsubscribe("alice", "s1", 1)); // already gone
        CPPUNIT_ASSERT(!unsubscribe("alice", "s3", 2)); // never there
        CPPUNIT_ASSERT(!unsubscribe("bob", "s1", 2));   // another user's
        CPPUNIT_ASSERT(unsubscribe("alice", "s1", 2));
        CPPUNIT_ASSERT(unsubscribe("alice", "s2", 1));
        CPPUNIT_ASSERT(subscriptions("alice").empty());
        CPPUNIT_ASSERT_EQUAL(0, recordsOfKind('s'));
    }

    void testCloseSessionRemovesOnlyThatSession()
    {
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 2, fnev::NewMail, 0x0100000000000001)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s2", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("bob", subscription("s1", 1, fnev::NewMail)).ok());

        CPPUNIT_ASSERT(registry_->closeSession("alice", "s1").ok());
        const auto list = subscriptions("alice");
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, list.size());
        CPPUNIT_ASSERT(contains(list, subscription("s2", 1, fnev::NewMail)));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, subscriptions("bob").size()); // same session id, another user

        CPPUNIT_ASSERT(registry_->closeSession("alice", "s2").ok());
        CPPUNIT_ASSERT(subscriptions("alice").empty());
        CPPUNIT_ASSERT(registry_->closeSession("alice", "s2").ok()); // closing twice is harmless
        CPPUNIT_ASSERT(registry_->closeSession("nobody", "s9").ok());
    }

    void testWatchersAreAddedOnceAndRemoved()
    {
        CPPUNIT_ASSERT(registry_->watchers("s1")->empty());
        CPPUNIT_ASSERT(registry_->addWatcher("s1", "aaaa").ok());
        CPPUNIT_ASSERT(registry_->addWatcher("s1", "bbbb").ok());
        CPPUNIT_ASSERT(registry_->addWatcher("s1", "aaaa").ok()); // once
        CPPUNIT_ASSERT(registry_->addWatcher("s2", "cccc").ok());
        CPPUNIT_ASSERT((*registry_->watchers("s1") == std::vector<std::string>{"aaaa", "bbbb"}));
        CPPUNIT_ASSERT(*registry_->removeWatcher("s1", "aaaa"));
        CPPUNIT_ASSERT(!*registry_->removeWatcher("s1", "aaaa"));
        CPPUNIT_ASSERT((*registry_->watchers("s1") == std::vector<std::string>{"bbbb"}));
        // Closing a session forgets its watchers, not another session's.
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->closeSession("alice", "s1").ok());
        CPPUNIT_ASSERT(registry_->watchers("s1")->empty());
        CPPUNIT_ASSERT((*registry_->watchers("s2") == std::vector<std::string>{"cccc"}));
    }

    void testCloseSessionRemovesTheSessionsCursors()
    {
        const QueueKey store{"alice", 0, TableType::None};
        const QueueKey inbox{"alice", 0x0100000000000001, TableType::None};
        const QueueKey table{"alice", 0x0100000000000001, TableType::Contents};
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 2, fnev::NewMail, inbox.fid)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 3, fnev::NewMail, inbox.fid, 0x77)).ok());
        CPPUNIT_ASSERT(
            registry_->subscribe("alice", subscription("s1", 4, fnev::TableModified, table.fid, 0, table.table)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s2", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s2", 2, fnev::NewMail, inbox.fid)).ok());
        for (const QueueKey& queue : {store, inbox, table})
            CPPUNIT_ASSERT(registry_->setCursor("s1", queue, 5).ok());
        for (const QueueKey& queue : {store, inbox})
            CPPUNIT_ASSERT(registry_->setCursor("s2", queue, 8).ok());

        CPPUNIT_ASSERT(registry_->closeSession("alice", "s1").ok());
        for (const QueueKey& queue : {store, inbox, table})
            CPPUNIT_ASSERT(!cursor("s1", queue));
        CPPUNIT_ASSERT(cursor("s2", store) == std::optional<std::uint64_t>(8));
        CPPUNIT_ASSERT(cursor("s2", inbox) == std::optional<std::uint64_t>(8));
        CPPUNIT_ASSERT_EQUAL(2, recordsOfKind('c'));
    }

    void testCursorGoesWithTheLastSubscriptionOnItsQueue()
    {
        const QueueKey store{"alice", 0, TableType::None};
        const QueueKey inbox{"alice", 0x0100000000000001, TableType::None};
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 2, fnev::ObjectCreated)).ok());
        CPPUNIT_ASSERT(registry_->setCursor("s1", store, 4).ok());
        // Handle 2 still reads the whole-store queue: the cursor stays.
        CPPUNIT_ASSERT(*registry_->unsubscribe("alice", "s1", 1));
        CPPUNIT_ASSERT(cursor("s1", store) == std::optional<std::uint64_t>(4));
        // Handle 2 moves to the inbox queue: nothing reads the store queue.
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 2, fnev::NewMail, inbox.fid)).ok());
        CPPUNIT_ASSERT(!cursor("s1", store));
        CPPUNIT_ASSERT(registry_->setCursor("s1", inbox, 9).ok());
        CPPUNIT_ASSERT(*registry_->unsubscribe("alice", "s1", 2));
        CPPUNIT_ASSERT(!cursor("s1", inbox));
        CPPUNIT_ASSERT_EQUAL(0, recordsOfKind('c'));
    }

    void testSubscribeSetsAStartingCursorOnlyWhenThereIsNone()
    {
        const QueueKey store{"alice", 0, TableType::None};
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail), 7).ok());
        CPPUNIT_ASSERT(cursor("s1", store) == std::optional<std::uint64_t>(7));
        // A second handle on the same queue, or a resubscription, keeps where the session is.
        CPPUNIT_ASSERT(registry_->setCursor("s1", store, 9).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 2, fnev::ObjectCreated), 12).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail), 12).ok());
        CPPUNIT_ASSERT(cursor("s1", store) == std::optional<std::uint64_t>(9));
        // Without startAt no cursor is made.
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s2", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(!cursor("s2", store));
    }

    void testCursorsArePerSessionAndQueue()
    {
        const QueueKey store{"alice", 0, TableType::None};
        const QueueKey inbox{"alice", 0x0100000000000001, TableType::None};
        CPPUNIT_ASSERT(!cursor("s1", store));
        CPPUNIT_ASSERT(registry_->setCursor("s1", store, 1).ok());
        CPPUNIT_ASSERT(registry_->setCursor("s1", inbox, 7).ok());
        CPPUNIT_ASSERT(registry_->setCursor("s2", store, 3).ok());
        CPPUNIT_ASSERT(cursor("s1", store) == std::optional<std::uint64_t>(1));
        CPPUNIT_ASSERT(cursor("s1", inbox) == std::optional<std::uint64_t>(7));
        CPPUNIT_ASSERT(cursor("s2", store) == std::optional<std::uint64_t>(3));
        CPPUNIT_ASSERT(!cursor("s2", inbox));
        CPPUNIT_ASSERT(!cursor("s1", QueueKey{"alice", 0, TableType::Hierarchy}));
        CPPUNIT_ASSERT(!cursor("s1", QueueKey{"bob", 0, TableType::None}));
        CPPUNIT_ASSERT(registry_->setCursor("s1", store, 42).ok()); // moves on
        CPPUNIT_ASSERT(cursor("s1", store) == std::optional<std::uint64_t>(42));
    }

    void testVisitSeesEveryRecord()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->bind("bob", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->bind("carol", "Other", "carol").ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0100000000000001).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("bob", "sogo://jdoe@Sent/", 0x0200000000000001).ok());
        const auto whole = subscription("s1", 1, fnev::NewMail);
        const auto table = subscription("s2", 9, fnev::TableModified, 0x0100000000000001, 0, TableType::Hierarchy);
        CPPUNIT_ASSERT(registry_->subscribe("alice", whole).ok());
        CPPUNIT_ASSERT(registry_->subscribe("bob", table).ok());
        const QueueKey hierarchy{"bob", 0x0100000000000001, TableType::Hierarchy};
        CPPUNIT_ASSERT(registry_->setCursor("s2", hierarchy, 12).ok());
        CPPUNIT_ASSERT(registry_->setCursor("s1", QueueKey{"alice", 0, TableType::None}, 3).ok());

        std::map<std::pair<std::string, std::string>, std::map<std::string, std::uint32_t>> bindings;
        std::map<std::pair<std::string, std::string>, Fid> folders;
        std::map<std::string, std::vector<Subscription>> subscriptionsSeen;
        std::map<std::pair<std::string, QueueKey>, std::uint64_t> cursors;
        Registry::Visitor visitor;
        visitor.binding = [&](const std::string& backend, const std::string& user,
                              const std::vector<BindingHolder>& holders) {
            for (const BindingHolder& h : holders)
                bindings[{backend, user}][h.user] = h.references;
        };
        visitor.folder = [&](const std::string& user, const std::string& uri, Fid fid) { folders[{user, uri}] = fid; };
        visitor.subscriptions = [&](const std::string& user, const std::vector<Subscription>& list) {
            subscriptionsSeen[user] = list;
        };
        visitor.cursor = [&](const std::string& session, const QueueKey& queue, std::uint64_t next) {
            cursors[{session, queue}] = next;
        };
        CPPUNIT_ASSERT(registry_->visit(visitor).ok());

        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, bindings.size());
        CPPUNIT_ASSERT((bindings[{"SOGo", "jdoe"}] == std::map<std::string, std::uint32_t>{{"alice", 2}, {"bob", 1}}));
        CPPUNIT_ASSERT((bindings[{"Other", "carol"}] == std::map<std::string, std::uint32_t>{{"carol", 1}}));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, folders.size());
        CPPUNIT_ASSERT_EQUAL(Fid{0x0100000000000001}, (folders[{"alice", "sogo://jdoe@INBOX/"}]));
        CPPUNIT_ASSERT_EQUAL(Fid{0x0200000000000001}, (folders[{"bob", "sogo://jdoe@Sent/"}]));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, subscriptionsSeen.size());
        CPPUNIT_ASSERT(subscriptionsSeen["alice"].size() == 1 && same(subscriptionsSeen["alice"][0], whole));
        CPPUNIT_ASSERT(subscriptionsSeen["bob"].size() == 1 && same(subscriptionsSeen["bob"][0], table));
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, cursors.size());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{12}, (cursors[{"s2", hierarchy}]));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{3}, (cursors[{"s1", QueueKey{"alice", 0, TableType::None}}]));

        // A visitor may leave out what it does not want.
        CPPUNIT_ASSERT(registry_->visit(Registry::Visitor{}).ok());
    }

    void testStateSurvivesReopen()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", 0x0100000000000001).ok());
        CPPUNIT_ASSERT(registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(registry_->setCursor("s1", QueueKey{"alice", 0, TableType::None}, 4).ok());
        registry_.reset(); // tdb refuses a second open of one file in one process
        registry_ = open(Access::ReadWrite);

        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"});
        CPPUNIT_ASSERT(folderId("alice", "sogo://jdoe@INBOX/") == std::optional<Fid>(0x0100000000000001));
        CPPUNIT_ASSERT(contains(subscriptions("alice"), subscription("s1", 1, fnev::NewMail)));
        CPPUNIT_ASSERT(cursor("s1", QueueKey{"alice", 0, TableType::None}) == std::optional<std::uint64_t>(4));
        // Both references survived.
        CPPUNIT_ASSERT(unbind("alice", "SOGo", "jdoe"));
        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"});
    }

    void testFileIsOwnerOnly()
    {
        struct stat file {};
        CPPUNIT_ASSERT_EQUAL(0, ::stat((directory_->path() / "registry.tdb").c_str(), &file));
        CPPUNIT_ASSERT_EQUAL(0600, static_cast<int>(file.st_mode & 0777));

        // A missing state directory is created for the owner alone.
        registry_.reset();
        const auto nested = directory_->path() / "state";
        auto opened = Registry::open(nested);
        CPPUNIT_ASSERT(opened.ok());
        struct stat directory {};
        CPPUNIT_ASSERT_EQUAL(0, ::stat(nested.c_str(), &directory));
        CPPUNIT_ASSERT_EQUAL(0700, static_cast<int>(directory.st_mode & 0777));
        CPPUNIT_ASSERT_EQUAL(0, ::stat((nested / "registry.tdb").c_str(), &file));
        CPPUNIT_ASSERT_EQUAL(0600, static_cast<int>(file.st_mode & 0777));
    }

    void testReadOnlyRegistryRefusesChanges()
    {
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        registry_.reset();
        registry_ = open(Access::ReadOnly);
        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"});
        CPPUNIT_ASSERT(!registry_->bind("bob", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(!registry_->subscribe("alice", subscription("s1", 1, fnev::NewMail)).ok());
        CPPUNIT_ASSERT(users("SOGo", "jdoe") == std::vector<std::string>{"alice"});

        // Read-only never creates the file.
        registry_.reset();
        CPPUNIT_ASSERT(!Registry::open(directory_->path() / "missing", Access::ReadOnly).ok());
    }

  private:
    std::unique_ptr<Registry> open(Access access)
    {
        auto opened = Registry::open(directory_->path(), access);
        CPPUNIT_ASSERT_MESSAGE(opened ? "" : opened.error().detail, opened.ok());
        return std::move(*opened);
    }

    std::vector<std::string> users(const std::string& backend, const std::string& backendUser)
    {
        auto found = registry_->usersBoundTo(backend, backendUser);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    bool unbind(const std::string& user, const std::string& backend, const std::string& backendUser)
    {
        auto done = registry_->unbind(user, backend, backendUser);
        CPPUNIT_ASSERT(done.ok());
        return *done;
    }

    std::optional<Fid> folderId(const std::string& user, const std::string& uri)
    {
        auto found = registry_->folderId(user, uri);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    std::optional<std::string> folderUri(const std::string& user, Fid fid)
    {
        auto found = registry_->folderUri(user, fid);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    std::vector<Subscription> subscriptions(const std::string& user)
    {
        auto found = registry_->subscriptions(user);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    bool unsubscribe(const std::string& user, const std::string& session, std::uint32_t handle)
    {
        auto done = registry_->unsubscribe(user, session, handle);
        CPPUNIT_ASSERT(done.ok());
        return *done;
    }

    std::optional<std::uint64_t> cursor(const std::string& session, const QueueKey& queue)
    {
        auto found = registry_->cursor(session, queue);
        CPPUNIT_ASSERT(found.ok());
        return *found;
    }

    // How many records of one kind visit() reports ('b', 'f', 's', 'c').
    int recordsOfKind(char kind)
    {
        int count = 0;
        Registry::Visitor visitor;
        if (kind == 's')
            visitor.subscriptions = [&](const std::string&, const std::vector<Subscription>&) { ++count; };
        if (kind == 'c')
            visitor.cursor = [&](const std::string&, const QueueKey&, std::uint64_t) { ++count; };
        CPPUNIT_ASSERT(registry_->visit(visitor).ok());
        return count;
    }

    static bool same(const Subscription& a, const Subscription& b)
    {
        return std::tie(a.session, a.handle, a.flags, a.fid, a.mid, a.table) ==
               std::tie(b.session, b.handle, b.flags, b.fid, b.mid, b.table);
    }

    static bool contains(const std::vector<Subscription>& list, const Subscription& wanted)
    {
        return std::any_of(list.begin(), list.end(), [&](const Subscription& s) { return same(s, wanted); });
    }

    static std::vector<std::string> sorted(std::vector<std::string> names)
    {
        std::sort(names.begin(), names.end());
        return names;
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<Registry> registry_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RegistryTest);
