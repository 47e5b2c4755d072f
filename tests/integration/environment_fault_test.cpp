// Faults of the environment: a state directory that runs out of room or
// becomes read-only, and a store file damaged while the daemon was stopped.
#include "producer/producer_client.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <filesystem>
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

// Files made immutable (chattr +i) for as long as this lives: writes to them
// fail with EPERM even for root, as on a file system remounted read-only.
class ReadOnlyFiles {
  public:
    explicit ReadOnlyFiles(std::vector<std::string> paths) : paths_(std::move(paths))
    {
        for (const std::string& path : paths_) {
            std::string output;
            const int status = ocs::test::runProgram({"/usr/bin/chattr", "+i", path}, "", &output);
            if (status != 0) {
                writable();
                CPPUNIT_FAIL("chattr +i " + path +
                             " failed (this test needs ext4 or another file system with "
                             "the immutable attribute): " +
                             output);
            }
        }
    }
    ~ReadOnlyFiles() { writable(); }
    ReadOnlyFiles(const ReadOnlyFiles&) = delete;
    ReadOnlyFiles& operator=(const ReadOnlyFiles&) = delete;

    void writable()
    {
        for (const std::string& path : paths_)
            ocs::test::runProgram({"/usr/bin/chattr", "-i", path});
        paths_.clear();
    }

  private:
    std::vector<std::string> paths_;
};

std::vector<std::string> journalSegments(const std::string& state)
{
    std::vector<std::string> segments;
    for (const auto& entry : std::filesystem::directory_iterator(state + "/journal")) {
        if (entry.path().extension() == ".log")
            segments.push_back(entry.path().string());
    }
    return segments;
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
    CPPUNIT_TEST(testReadOnlyJournalAnswersStoreUnavailableAndRecovers);
    CPPUNIT_TEST(testReadOnlyStoreFileStopsTheStartNamingIt);
    CPPUNIT_TEST(testDamagedStoreFileStopsTheStartNamingFileAndRepair);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testFullStateDirectoryAnswersStoreUnavailableAndRecovers()
    {
        ocs::test::TempDir work;
        auto daemon = startWithFileSizeLimit(work.path(), 3u << 20);
        provision(*daemon);
        ProducerClient client(clientOptions(*daemon));
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
        CPPUNIT_ASSERT_MESSAGE(daemon->log(), daemon->log().find("W-2005 commit failed") != std::string::npos);
        CPPUNIT_ASSERT(acknowledged > 0);
        CPPUNIT_ASSERT(daemon->running());
        std::string version;
        CPPUNIT_ASSERT(client.ping(version));

        // Room again: the daemon takes events without a restart, and the
        // store holds exactly what was acknowledged, once each.
        liftFileSizeLimit(daemon->pid());
        acknowledged += sendUntilQueued(client, next);
        CPPUNIT_ASSERT(daemon->awaitStoreQueue("alice", static_cast<std::uint64_t>(acknowledged) + 1, 0, 20000));
        CPPUNIT_ASSERT_EQUAL(0, daemon->stop(SIGTERM));
    }

    void testReadOnlyJournalAnswersStoreUnavailableAndRecovers()
    {
        ocs::test::TempDir work;
        ocs::test::Daemon daemon({}, work.path());
        provision(daemon);
        ProducerClient client(clientOptions(daemon));
        CPPUNIT_ASSERT(client.login("mta", kPassword));
        CPPUNIT_ASSERT(send(client, 0) == Answer::Queued);
        int next = 100;
        {
            ReadOnlyFiles readOnly(journalSegments(daemon.state()));
            for (int round = 0; round < 3; ++round, next += 100)
                CPPUNIT_ASSERT(send(client, next) == Answer::StoreUnavailable);
            CPPUNIT_ASSERT(daemon.running());
            std::string version;
            CPPUNIT_ASSERT(client.ping(version));
            // The operator reads why, once a second at most.
            CPPUNIT_ASSERT_MESSAGE(daemon.log(), daemon.log().find("W-2005 commit failed") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(daemon.log(), daemon.log().find("cannot write") != std::string::npos);
        }
        // Writable again: taken without a restart; the refused events were
        // never stored, the acknowledged ones are, once each.
        const int acknowledged = 100 + sendUntilQueued(client, next);
        CPPUNIT_ASSERT(daemon.awaitStoreQueue("alice", static_cast<std::uint64_t>(acknowledged) + 1, 0, 20000));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        std::string listing;
        CPPUNIT_ASSERT_EQUAL(
            0, ocs::test::runProgram({OCS_INSPECT_TOOL, "--state-dir", daemon.state(), "queues", "alice", "--json"}, "",
                                     &listing));
        CPPUNIT_ASSERT_MESSAGE(listing, listing.find("\"next\": " + std::to_string(acknowledged + 1) + ",") !=
                                            std::string::npos);
    }

    void testReadOnlyStoreFileStopsTheStartNamingIt()
    {
        ocs::test::TempDir work;
        const std::string store = leftStore(work);
        ReadOnlyFiles readOnly({store});
        std::string output;
        const int status = startAgain(work, output);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 1, status);
        CPPUNIT_ASSERT_MESSAGE(output,
                               output.find(store + ": cannot open: Operation not permitted") != std::string::npos);
        // Not taken for damage: the advice is about writing, not restoring.
        CPPUNIT_ASSERT_MESSAGE(output, output.find("the immutable attribute (lsattr)") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(output, output.find("tdbbackup") == std::string::npos);
    }

    // The store.tdb a daemon created in `work` and left when it stopped.
    static std::string leftStore(const ocs::test::TempDir& work)
    {
        ocs::test::Daemon daemon({}, work.path());
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        return daemon.state() + "/store.tdb";
    }

    // Starts the daemon again on that state directory; its exit status, and
    // what it wrote in `output`.
    static int startAgain(const ocs::test::TempDir& work, std::string& output)
    {
        return ocs::test::runProgram({OCS_DAEMON, "--state-dir", work.path() + "/state", "--listen", "127.0.0.1:0",
                                      "--set", "log.console=false"},
                                     "", &output);
    }

    static void provision(ocs::test::Daemon& daemon)
    {
        CPPUNIT_ASSERT_EQUAL(0, daemon.accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
        auto registry = ocs::store::Registry::open(daemon.state());
        CPPUNIT_ASSERT(registry.ok());
        CPPUNIT_ASSERT((*registry)->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT((*registry)->mapFolder("alice", "sogo://jdoe@INBOX/", 0x10001).ok());
        CPPUNIT_ASSERT(
            (*registry)
                ->subscribe("alice", {"s1", 1, ocs::store::fnev::NewMail, 0, 0, ocs::store::TableType::None, {}})
                .ok());
    }

    static ocs::producer::ClientOptions clientOptions(const ocs::test::Daemon& daemon)
    {
        ocs::producer::ClientOptions options;
        options.url = daemon.url();
        return options;
    }

    // Sends batches from `next` on until one is queued (the store may take a
    // moment to accept again); returns the events that one acknowledged.
    static int sendUntilQueued(ProducerClient& client, int& next)
    {
        int queued = 0;
        for (int attempt = 0; attempt < 100 && queued == 0; ++attempt) {
            queued = sendCounting(client, next);
            next += 100;
            if (queued == 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        CPPUNIT_ASSERT_EQUAL(100, queued);
        return queued;
    }

    enum class Answer { Queued, StoreUnavailable };

    static Answer send(ProducerClient& client, int first)
    {
        return sendCounting(client, first) > 0 ? Answer::Queued : Answer::StoreUnavailable;
    }

    // One Notify of 100 new messages from `first` on: all queued, or all
    // refused with StoreUnavailable (per event or for the whole call).
    // Returns the events queued: 100 or 0.
    static int sendCounting(ProducerClient& client, int first)
    {
        std::vector<ocs::producer::EventOutcome> outcomes;
        if (!client.notify(newMails(first, 100), outcomes)) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(client.lastError().message, 503, client.lastError().code);
            return 0;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t{100}, outcomes.size());
        const bool queued = outcomes.front().status == "queued";
        int count = 0;
        for (const auto& outcome : outcomes) {
            if (queued) {
                CPPUNIT_ASSERT_EQUAL(std::string("queued"), outcome.status);
                CPPUNIT_ASSERT_EQUAL(1u, outcome.queues);
                ++count;
            } else {
                CPPUNIT_ASSERT_EQUAL(503, outcome.error.code);
                CPPUNIT_ASSERT_EQUAL(std::string("StoreUnavailable"), outcome.error.name);
            }
        }
        return count;
    }

    void testDamagedStoreFileStopsTheStartNamingFileAndRepair()
    {
        ocs::test::TempDir work;
        const std::string store = leftStore(work);
        {
            std::fstream file(store, std::ios::in | std::ios::out | std::ios::binary);
            file.write("not a tdb header, not at all!!", 30);
        }
        const auto sizeBefore = std::ifstream(store, std::ios::binary | std::ios::ate).tellg();
        std::string output;
        const int status = startAgain(work, output);
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
