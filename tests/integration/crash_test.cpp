// Crash safety: under sustained NewMail load the daemon is killed with
// SIGKILL at a random moment, restarted on the same state, and every event
// it acknowledged must be in its queue exactly once and in order; the store
// must open cleanly.
#include "producer/producer_client.hpp"
#include "store/queue_store.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <thread>
#include <vector>

namespace {

constexpr int kRounds = 5;
constexpr int kProducers = 4;
const std::string kPassword = "crash test password";
const std::string kFolderUri = "sogo://jdoe@INBOX/";
const ocs::store::QueueKey kQueue{"alice", 0, ocs::store::TableType::None};

// What one producer thread had acknowledged, in the order it sent them.
using Acknowledged = std::vector<std::string>;

void produce(const std::string& url, const std::string& prefix, const std::atomic<bool>& stop, Acknowledged& out)
{
    ocs::producer::ClientOptions options;
    options.url = url;
    options.timeoutSeconds = 5;
    ocs::producer::ProducerClient client(options);
    if (!client.login("mta", kPassword))
        return;
    for (int i = 0; !stop; ++i) {
        const std::string id = prefix + "-" + std::to_string(i);
        ocs::producer::NewMailResult result;
        if (!client.newMail({"SOGo", "jdoe", "INBOX", id, {}, {}, {}, {}}, result))
            return; // the daemon is gone
        if (result.status == "queued" && result.queues == 1)
            out.push_back(id);
    }
}

} // namespace

class CrashTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CrashTest);
    CPPUNIT_TEST(testAcknowledgedEventsSurviveSigkill);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testAcknowledgedEventsSurviveSigkill()
    {
        ocs::test::TempDir work;
        const std::vector<std::string> args = {"--set", "store.retained_entries=10000000", "--workers", "4"};
        const unsigned seed = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::mt19937 random(seed);
        std::cerr << "CrashTest seed " << seed << "\n";
        std::vector<Acknowledged> acknowledged;

        for (int round = 0; round < kRounds; ++round) {
            ocs::test::Daemon daemon(args, work.path());
            if (round == 0)
                provision(daemon);
            verify(daemon, acknowledged);

            std::atomic<bool> stop{false};
            std::vector<Acknowledged> sent(kProducers);
            std::vector<std::thread> producers;
            for (int t = 0; t < kProducers; ++t) {
                const std::string prefix = "r" + std::to_string(round) + "t" + std::to_string(t);
                producers.emplace_back(produce, daemon.url(), prefix, std::cref(stop), std::ref(sent[t]));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 500));
            CPPUNIT_ASSERT_EQUAL(128 + SIGKILL, daemon.stop(SIGKILL));
            stop = true;
            for (std::thread& producer : producers)
                producer.join();
            std::size_t total = 0;
            for (Acknowledged& one : sent) {
                total += one.size();
                acknowledged.push_back(std::move(one));
            }
            std::cerr << "CrashTest round " << round << ": " << total << " acknowledged before SIGKILL\n";
            CPPUNIT_ASSERT_MESSAGE("round " + std::to_string(round) + " acknowledged nothing", total > 0);
        }
        ocs::test::Daemon last(args, work.path());
        verify(last, acknowledged);
        CPPUNIT_ASSERT_EQUAL(0, last.stop(SIGTERM));
    }

  private:
    void provision(ocs::test::Daemon& daemon)
    {
        CPPUNIT_ASSERT_EQUAL(0, daemon.accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
        auto registry = ocs::store::Registry::open(daemon.state());
        CPPUNIT_ASSERT(registry.ok());
        CPPUNIT_ASSERT((*registry)->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT((*registry)->mapFolder("alice", kFolderUri, 0x10001).ok());
        CPPUNIT_ASSERT((*registry)->subscribe("alice", {"s", 1, ocs::store::fnev::NewMail, 0, 0, {}, {}}).ok());
    }

    // Every acknowledged message is in the queue exactly once, and each
    // producer's messages are in the order it sent them.
    void verify(ocs::test::Daemon& daemon, const std::vector<Acknowledged>& acknowledged)
    {
        ocs::store::QueueStoreOptions options;
        options.access = ocs::store::Access::ReadOnly;
        auto store = ocs::store::QueueStore::open(daemon.state(), options);
        CPPUNIT_ASSERT_MESSAGE(store ? "" : store.error().detail, store.ok());
        CPPUNIT_ASSERT((*store)->visitQueues([](const ocs::store::QueueKey&, const ocs::store::QueueState&) {}).ok());
        auto entries = (*store)->read(kQueue, 1, 100000000);
        CPPUNIT_ASSERT(entries.ok());
        std::map<std::string, std::uint64_t> sequenceOf;
        for (const ocs::store::QueueEntry& entry : *entries) {
            const std::string& uri = entry.messageUri;
            CPPUNIT_ASSERT(uri.size() > kFolderUri.size() + 4);
            const std::string id = uri.substr(kFolderUri.size(), uri.size() - kFolderUri.size() - 4);
            CPPUNIT_ASSERT_MESSAGE("twice: " + id, sequenceOf.emplace(id, entry.sequence).second);
        }
        for (const Acknowledged& one : acknowledged) {
            std::uint64_t previous = 0;
            for (const std::string& id : one) {
                auto found = sequenceOf.find(id);
                CPPUNIT_ASSERT_MESSAGE("acknowledged but lost: " + id, found != sequenceOf.end());
                CPPUNIT_ASSERT_MESSAGE("out of order: " + id, found->second > previous);
                previous = found->second;
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CrashTest);
