// Faults of the environment: a state directory that runs out of room, and a
// store file damaged while the daemon was stopped.
#include "producer/producer_client.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using ocs::producer::ProducerClient;

namespace {

const std::string kPassword = "environment fault test password";

// Starts the daemon with the files it writes limited to `bytes` (RLIMIT_FSIZE,
// soft, inherited): a write beyond fails with EFBIG as on a full disk. This
// process keeps its own limit.
std::unique_ptr<ocs::test::Daemon> startWithFileSizeLimit(const std::string& work, rlim_t bytes)
{
    rlimit own{};
    ::getrlimit(RLIMIT_FSIZE, &own);
    rlimit limited = own;
    limited.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limited);
    try {
        auto daemon = std::make_unique<ocs::test::Daemon>(std::vector<std::string>{}, work);
        ::setrlimit(RLIMIT_FSIZE, &own);
        return daemon;
    } catch (...) {
        ::setrlimit(RLIMIT_FSIZE, &own);
        throw;
    }
}

// Space returns: the running daemon gets this process's limit.
void liftFileSizeLimit(int pid)
{
    rlimit own{};
    ::getrlimit(RLIMIT_FSIZE, &own);
    ::prlimit(pid, RLIMIT_FSIZE, &own, nullptr);
}

std::vector<ocs::producer::NotifyEvent> newMails(int first, int count)
{
    std::vector<ocs::producer::NotifyEvent> events;
    for (int i = 0; i < count; ++i) {
        ocs::producer::NotifyEvent e;
        e.backend = "SOGo";
        e.username = "jdoe";
        e.folder = "INBOX";
        e.messageId = "m" + std::to_string(first + i) + std::string(120, 'x');
        events.push_back(std::move(e));
    }
    return events;
}

} // namespace

class EnvironmentFaultTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EnvironmentFaultTest);
    CPPUNIT_TEST(testFullStateDirectoryAnswersStoreUnavailableAndRecovers);
    CPPUNIT_TEST(testDamagedStoreFileStopsTheStartNamingFileAndRepair);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testFullStateDirectoryAnswersStoreUnavailableAndRecovers()
    {
        ocs::test::TempDir work;
        auto daemon = startWithFileSizeLimit(work.path(), 3u << 20);
        CPPUNIT_ASSERT_EQUAL(0, daemon->accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
        {
            auto registry = ocs::store::Registry::open(daemon->state());
            CPPUNIT_ASSERT(registry.ok());
            CPPUNIT_ASSERT((*registry)->bind("alice", "SOGo", "jdoe").ok());
            CPPUNIT_ASSERT((*registry)->mapFolder("alice", "sogo://jdoe@INBOX/", 0x10001).ok());
            CPPUNIT_ASSERT(
                (*registry)
                    ->subscribe("alice", {"s1", 1, ocs::store::fnev::NewMail, 0, 0, ocs::store::TableType::None})
                    .ok());
        }
        ocs::producer::ClientOptions options;
        options.url = daemon->url();
        ProducerClient client(options);
        CPPUNIT_ASSERT(client.login("mta", kPassword));

        // Until the files cannot grow: every batch answered is counted.
        int acknowledged = 0, next = 0;
        bool refused = false;
        for (int round = 0; round < 400 && !refused; ++round) {
            const Answer answer = send(client, next);
            next += 100;
            if (answer == Answer::Queued)
                acknowledged += 100;
            refused = answer == Answer::StoreUnavailable;
        }
        CPPUNIT_ASSERT_MESSAGE("the file size limit was never reached", refused);
        CPPUNIT_ASSERT(acknowledged > 0);
        CPPUNIT_ASSERT(daemon->running());
        std::string version;
        CPPUNIT_ASSERT(client.ping(version));

        // Room again: the daemon takes events without a restart, and the
        // store holds exactly what was acknowledged, once each.
        liftFileSizeLimit(daemon->pid());
        bool accepted = false;
        for (int attempt = 0; attempt < 100 && !accepted; ++attempt) {
            accepted = send(client, next) == Answer::Queued;
            next += 100;
            if (!accepted)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        CPPUNIT_ASSERT(accepted);
        acknowledged += 100;
        CPPUNIT_ASSERT(daemon->awaitStoreQueue("alice", static_cast<std::uint64_t>(acknowledged) + 1, 0, 20000));
        CPPUNIT_ASSERT_EQUAL(0, daemon->stop(SIGTERM));
    }

    enum class Answer { Queued, StoreUnavailable };

    // One Notify of 100 new messages from `first` on: all queued, or all
    // refused with StoreUnavailable (per event or for the whole call).
    static Answer send(ProducerClient& client, int first)
    {
        std::vector<ocs::producer::EventOutcome> outcomes;
        if (!client.notify(newMails(first, 100), outcomes)) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(client.lastError().message, 503, client.lastError().code);
            return Answer::StoreUnavailable;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{100}, outcomes.size());
        const bool queued = outcomes.front().status == "queued";
        for (const auto& outcome : outcomes) {
            if (queued) {
                CPPUNIT_ASSERT_EQUAL(std::string("queued"), outcome.status);
                CPPUNIT_ASSERT_EQUAL(1u, outcome.queues);
            } else {
                CPPUNIT_ASSERT_EQUAL(503, outcome.error.code);
                CPPUNIT_ASSERT_EQUAL(std::string("StoreUnavailable"), outcome.error.name);
            }
        }
        return queued ? Answer::Queued : Answer::StoreUnavailable;
    }

    void testDamagedStoreFileStopsTheStartNamingFileAndRepair()
    {
        ocs::test::TempDir work;
        {
            ocs::test::Daemon daemon({}, work.path());
            CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        }
        const std::string state = work.path() + "/state";
        const std::string store = state + "/store.tdb";
        {
            std::fstream file(store, std::ios::in | std::ios::out | std::ios::binary);
            file.write("not a tdb header, not at all!!", 30);
        }
        const auto sizeBefore = std::ifstream(store, std::ios::binary | std::ios::ate).tellg();
        std::string output;
        const int status = ocs::test::runProgram(
            {OCS_DAEMON, "--state-dir", state, "--listen", "127.0.0.1:0", "--set", "log.console=false"}, "", &output);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 1, status);
        CPPUNIT_ASSERT_MESSAGE(output, output.find(store) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(output, output.find("tdbbackup -v") != std::string::npos);
        // Refused, not rewritten as a new empty store.
        CPPUNIT_ASSERT_EQUAL(sizeBefore, std::ifstream(store, std::ios::binary | std::ios::ate).tellg());
        std::ifstream again(store, std::ios::binary);
        std::string head(30, '\0');
        again.read(head.data(), 30);
        CPPUNIT_ASSERT_EQUAL(std::string("not a tdb header, not at all!!"), head);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnvironmentFaultTest);
