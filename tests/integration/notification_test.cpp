// The Notification service end to end: an account allowed to report, the
// registry written from this (second) process as the client module would,
// events sent through the generated proxy, and the queue store read back.
#include "producer/producer_client.hpp"
#include "store/queue_store.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

#include <atomic>
#include <memory>
#include <thread>

using ocs::producer::ProducerClient;
using ocs::store::QueueKey;
using ocs::store::TableType;

namespace {

const std::string kPassword = "notification test password";
constexpr ocs::store::Fid kInbox = 0x0000000000010001ULL;
constexpr ocs::store::Fid kArchive = 0x0000000000020001ULL;
constexpr ocs::store::Fid kOldSub = 0x0000000000030001ULL;
constexpr ocs::store::Fid kSub = 0x0000000000040001ULL;

ocs::producer::NewMailRequest mail(const std::string& id)
{
    return {"SOGo", "jdoe", "INBOX", id, std::string("IPM.Note"), 0x1u, 12u, 3u};
}

ocs::producer::NotifyEvent event(const std::string& type, const std::string& id)
{
    ocs::producer::NotifyEvent e;
    e.type = type;
    e.backend = "SOGo";
    e.username = "jdoe";
    e.folder = "INBOX";
    e.messageId = id;
    return e;
}

} // namespace

class NotificationTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(NotificationTest);
    CPPUNIT_TEST(testNewMailIsQueuedOnceForTheSubscribedUser);
    CPPUNIT_TEST(testNewMailWithoutSubscriberQueuesNothing);
    CPPUNIT_TEST(testDuplicateMessageIsNotQueuedTwice);
    CPPUNIT_TEST(testNotifyBatchKeepsOrderAndAnswersPerEvent);
    CPPUNIT_TEST(testMoveRecordsOldAndNewPlace);
    CPPUNIT_TEST(testFolderMoveRecordsTheOldParent);
    CPPUNIT_TEST(testUnknownBackendIsRefused);
    CPPUNIT_TEST(testPermissionsAreEnforced);
    CPPUNIT_TEST(testBatchOverTheLimitIsRefused);
    CPPUNIT_TEST(testRegistryWritesFromAnotherProcessDuringLoad);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>(std::vector<std::string>{"--set", "limits.max_occurs=200"});
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "mta", "--backends", "SOGo", "--events",
                                                      "NewMail,ObjectCreated,ObjectMoved,ObjectModified"},
                                                     kPassword + "\n"));
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "newmail-only", "--backends", "SOGo"}, kPassword + "\n"));
        auto registry = ocs::store::Registry::open(daemon_->state());
        CPPUNIT_ASSERT(registry.ok());
        registry_ = std::move(*registry);
        CPPUNIT_ASSERT(registry_->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/", kInbox).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Archive/", kArchive).ok());
        client_ = std::make_unique<ProducerClient>(options());
        CPPUNIT_ASSERT(client_->login("mta", kPassword));
    }

    void tearDown() override
    {
        client_.reset();
        registry_.reset();
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testNewMailIsQueuedOnceForTheSubscribedUser()
    {
        subscribe("session-1", 1, ocs::store::fnev::NewMail, 0);
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT_MESSAGE(client_->lastError().message, client_->newMail(mail("61"), result));
        CPPUNIT_ASSERT_EQUAL(std::string("queued"), result.status);
        CPPUNIT_ASSERT_EQUAL(1u, result.queues);

        const QueueKey queue{"alice", 0, TableType::None};
        auto store = storeWhenQueueReaches(queue, 2);
        auto state = store->state(queue);
        CPPUNIT_ASSERT(state.ok());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{1}, state->first);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{2}, state->next);
        auto entries = store->read(queue, 1, 10);
        CPPUNIT_ASSERT(entries.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries->size());
        const auto& entry = entries->front();
        CPPUNIT_ASSERT(entry.type == ocs::EventType::NewMail);
        CPPUNIT_ASSERT_EQUAL(kInbox, entry.fid);
        CPPUNIT_ASSERT_EQUAL(std::string("IPM.Note"), entry.messageClass);
        CPPUNIT_ASSERT_EQUAL(std::string("mta"), entry.producer);
        CPPUNIT_ASSERT(entry.totalCount == 12u && entry.unreadCount == 3u && entry.messageFlags == 1u);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/61.eml"), entry.messageUri);
    }

    void testNewMailWithoutSubscriberQueuesNothing()
    {
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(client_->newMail(mail("70"), result));
        CPPUNIT_ASSERT_EQUAL(std::string("queued"), result.status);
        CPPUNIT_ASSERT_EQUAL(0u, result.queues);
        // Nobody bound to that backend user at all: 0 as well, not a fault.
        auto other = mail("71");
        other.username = "nobody";
        CPPUNIT_ASSERT(client_->newMail(other, result));
        CPPUNIT_ASSERT_EQUAL(0u, result.queues);
    }

    void testDuplicateMessageIsNotQueuedTwice()
    {
        subscribe("session-1", 1, ocs::store::fnev::NewMail, 0);
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(client_->newMail(mail("61"), result));
        CPPUNIT_ASSERT(client_->newMail(mail("61"), result));
        CPPUNIT_ASSERT_EQUAL(std::string("duplicate"), result.status);
        CPPUNIT_ASSERT_EQUAL(0u, result.queues);
        // A message after the duplicate: once it is visible, so would be
        // anything the duplicate had queued.
        CPPUNIT_ASSERT(client_->newMail(mail("62"), result));
        const QueueKey queue{"alice", 0, TableType::None};
        auto store = storeWhenQueueReaches(queue, 3);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{3}, store->state(queue)->next);
        auto entries = store->read(queue, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, entries->size());
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/62.eml"), entries->back().messageUri);
    }

    void testNotifyBatchKeepsOrderAndAnswersPerEvent()
    {
        subscribe("session-1", 1, ocs::store::fnev::NewMail, 0);
        subscribe("session-2", 7, ocs::store::fnev::NewMail, kInbox);
        std::vector<ocs::producer::NotifyEvent> batch;
        for (int i = 0; i < 100; ++i)
            batch.push_back(event("NewMail", std::to_string(1000 + i)));
        batch[50].username = "bad\xC2\x85user"; // U+0085, a C1 control
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT_MESSAGE(client_->lastError().message, client_->notify(batch, outcomes));
        CPPUNIT_ASSERT_EQUAL(std::size_t{100}, outcomes.size());
        for (unsigned i = 0; i < 100; ++i) {
            CPPUNIT_ASSERT_EQUAL(i, outcomes[i].index);
            if (i == 50) {
                CPPUNIT_ASSERT_EQUAL(std::string("error"), outcomes[i].status);
                CPPUNIT_ASSERT_EQUAL(417, outcomes[i].error.code);
                CPPUNIT_ASSERT_EQUAL(std::string("username"), outcomes[i].error.field);
            } else {
                CPPUNIT_ASSERT_EQUAL(std::string("queued"), outcomes[i].status);
                CPPUNIT_ASSERT_EQUAL(2u, outcomes[i].queues);
            }
        }
        auto store = storeWhenQueueReaches({"alice", kInbox, TableType::None}, 100);
        for (const QueueKey& queue :
             {QueueKey{"alice", 0, TableType::None}, QueueKey{"alice", kInbox, TableType::None}}) {
            auto entries = store->read(queue, 1, 1000);
            CPPUNIT_ASSERT(entries.ok());
            CPPUNIT_ASSERT_EQUAL(std::size_t{99}, entries->size());
            for (std::size_t i = 0; i < entries->size(); ++i) {
                CPPUNIT_ASSERT_EQUAL(std::uint64_t{i + 1}, (*entries)[i].sequence);
                const int id = 1000 + static_cast<int>(i < 50 ? i : i + 1);
                CPPUNIT_ASSERT_EQUAL("sogo://jdoe@INBOX/" + std::to_string(id) + ".eml", (*entries)[i].messageUri);
            }
        }
    }

    void testMoveRecordsOldAndNewPlace()
    {
        subscribe("session-1", 1, ocs::store::fnev::ObjectMoved, kArchive);
        ocs::producer::NewMailResult created;
        CPPUNIT_ASSERT(client_->newMail(mail("80"), created));
        auto move = event("ObjectMoved", "3");
        move.folder = "Archive";
        move.oldFolder = "INBOX";
        move.oldMessageId = "80";
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT(client_->notify({move}, outcomes));
        CPPUNIT_ASSERT_EQUAL(std::string("queued"), outcomes.at(0).status);
        CPPUNIT_ASSERT_EQUAL(1u, outcomes.at(0).queues);
        auto store = storeWhenQueueReaches({"alice", kArchive, TableType::None}, 2);
        auto entries = store->read({"alice", kArchive, TableType::None}, 1, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries->size());
        const auto& entry = entries->front();
        CPPUNIT_ASSERT_EQUAL(kArchive, entry.fid);
        CPPUNIT_ASSERT_EQUAL(kInbox, entry.oldFid);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@INBOX/80.eml"), entry.oldMessageUri);
        CPPUNIT_ASSERT_EQUAL(std::string("sogo://jdoe@Archive/3.eml"), entry.messageUri);
    }

    // oldParentFolder through SOAP: the entry names the parent the folder
    // left, and a subscription on that parent hears of it.
    void testFolderMoveRecordsTheOldParent()
    {
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@INBOX/Sub/", kOldSub).ok());
        CPPUNIT_ASSERT(registry_->mapFolder("alice", "sogo://jdoe@Archive/Sub/", kSub).ok());
        subscribe("session-1", 1, ocs::store::fnev::ObjectMoved, kInbox);
        ocs::producer::NotifyEvent move;
        move.type = "ObjectMoved";
        move.kind = "folder";
        move.backend = "SOGo";
        move.username = "jdoe";
        move.folder = "Archive/Sub";
        move.oldFolder = "INBOX/Sub";
        move.parentFolder = "Archive";
        move.oldParentFolder = "INBOX";
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT_MESSAGE(client_->lastError().message, client_->notify({move}, outcomes));
        CPPUNIT_ASSERT_EQUAL(std::string("queued"), outcomes.at(0).status);
        CPPUNIT_ASSERT_EQUAL(1u, outcomes.at(0).queues);
        const QueueKey queue{"alice", kInbox, TableType::None};
        auto entries = storeWhenQueueReaches(queue, 2)->read(queue, 1, 10);
        CPPUNIT_ASSERT(entries.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, entries->size());
        const auto& entry = entries->front();
        CPPUNIT_ASSERT(entry.type == ocs::EventType::ObjectMoved && entry.kind == ocs::store::ObjectKind::Folder);
        CPPUNIT_ASSERT_EQUAL(kSub, entry.fid);
        CPPUNIT_ASSERT_EQUAL(kArchive, entry.parentFid);
        CPPUNIT_ASSERT_EQUAL(kOldSub, entry.oldFid);
        CPPUNIT_ASSERT_EQUAL(kInbox, entry.oldParentFid);
    }

    void testUnknownBackendIsRefused()
    {
        auto request = mail("90");
        request.backend = "Exchange";
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(!client_->newMail(request, result));
        CPPUNIT_ASSERT_EQUAL(460, client_->lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("backend"), client_->lastError().field);
    }

    void testPermissionsAreEnforced()
    {
        ProducerClient limited(options());
        CPPUNIT_ASSERT(limited.login("newmail-only", kPassword));
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(limited.newMail(mail("95"), result));
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT(limited.notify({event("ObjectCreated", "96"), event("NewMail", "97")}, outcomes));
        CPPUNIT_ASSERT_EQUAL(std::string("error"), outcomes.at(0).status);
        CPPUNIT_ASSERT_EQUAL(403, outcomes.at(0).error.code);
        CPPUNIT_ASSERT_EQUAL(std::string("AccessForbidden"), outcomes.at(0).error.name);
        CPPUNIT_ASSERT_EQUAL(std::string("type"), outcomes.at(0).error.field);
        CPPUNIT_ASSERT_EQUAL(std::string("queued"), outcomes.at(1).status);
    }

    void testBatchOverTheLimitIsRefused()
    {
        std::vector<ocs::producer::NotifyEvent> batch(201, event("NewMail", "1"));
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT(!client_->notify(batch, outcomes));
        CPPUNIT_ASSERT_EQUAL(413, client_->lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("event"), client_->lastError().field);
    }

    void testRegistryWritesFromAnotherProcessDuringLoad()
    {
        // This process changes subscriptions and bindings while the daemon
        // commits entries: neither side sees an error.
        subscribe("steady", 1, ocs::store::fnev::NewMail, 0);
        std::atomic<bool> done{false};
        std::atomic<int> registryErrors{0};
        std::thread churn([&] {
            for (std::uint32_t i = 0; !done; ++i) {
                const ocs::store::Subscription s{"churn",         i % 4, ocs::store::fnev::NewMail, kInbox, 0,
                                                 TableType::None, {}};
                if (!registry_->subscribe("alice", s).ok() || !registry_->bind("bob", "SOGo", "jdoe").ok() ||
                    !registry_->unbind("bob", "SOGo", "jdoe").ok() ||
                    !registry_->unsubscribe("alice", "churn", i % 4).ok())
                    ++registryErrors;
            }
        });
        for (int i = 0; i < 200; ++i) {
            ocs::producer::NewMailResult result;
            CPPUNIT_ASSERT_MESSAGE(client_->lastError().message,
                                   client_->newMail(mail(std::to_string(5000 + i)), result));
            CPPUNIT_ASSERT(result.queues >= 1);
        }
        done = true;
        churn.join();
        CPPUNIT_ASSERT_EQUAL(0, registryErrors.load());
        auto state = storeWhenQueueReaches({"alice", 0, TableType::None}, 201)->state({"alice", 0, TableType::None});
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{201}, state->next);
    }

  private:
    ocs::producer::ClientOptions options() const
    {
        ocs::producer::ClientOptions o;
        o.url = daemon_->url();
        return o;
    }

    void subscribe(const std::string& session, std::uint32_t handle, std::uint16_t flags, ocs::store::Fid fid)
    {
        CPPUNIT_ASSERT(registry_->subscribe("alice", {session, handle, flags, fid, 0, TableType::None, {}}).ok());
    }

    // An answer means the entries are durable (journaled); store.tdb takes
    // them moments later, behind the requests.
    std::unique_ptr<ocs::store::QueueStore> storeWhenQueueReaches(const QueueKey& queue, std::uint64_t next) const
    {
        CPPUNIT_ASSERT(daemon_->awaitStoreQueue(queue.user, next, queue.fid));
        return openStore();
    }

    std::unique_ptr<ocs::store::QueueStore> openStore() const
    {
        ocs::store::QueueStoreOptions options;
        options.access = ocs::store::Access::ReadOnly;
        auto store = ocs::store::QueueStore::open(daemon_->state(), options);
        CPPUNIT_ASSERT_MESSAGE(store ? "" : store.error().detail, store.ok());
        return std::move(*store);
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
    std::unique_ptr<ocs::store::Registry> registry_;
    std::unique_ptr<ProducerClient> client_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NotificationTest);
