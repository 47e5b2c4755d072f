// A second process waits for a session (ocs_watch_open), as OpenChange's
// asyncemsmdb process does for EcDoAsyncWaitEx while the session's EMSMDB
// process drains: here this process holds the session and a forked child,
// with its own handle, the watch.
#include "client_module/ocsmanager_client.h"
#include "producer/producer_client.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"
#include "support/openchange_emulation.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

namespace {

const std::string kPassword = "watch test password";

bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1 && (p.revents & POLLIN);
}

// One byte each way between the two processes.
char receive(int fd)
{
    char c = 0;
    return ::read(fd, &c, 1) == 1 ? c : '\0';
}

void send(int fd, char c)
{
    [[maybe_unused]] auto written = ::write(fd, &c, 1);
}

// The watching process: opens its own handle once told the session exists,
// then answers each step with one byte. Leaves without closing its watch,
// as a process that crashed.
[[noreturn]] void watchSide(const std::string& state, int in, int out)
{
    ocs_handle* handle = nullptr;
    ocs_watch* watch = nullptr;
    int pending = -1;
    receive(in); // the session is open
    if (ocs_open(state.c_str(), &handle) != OCS_OK || ocs_watch_open(handle, "alice", "s-w", &watch) != OCS_OK)
        ::_exit(2);
    send(out, ocs_watch_rearm(watch, &pending) == OCS_OK && pending == 0 ? 'n' : 'x');
    receive(in); // a mail was reported
    send(out, readable(ocs_watch_fd(watch), 5000) ? 'r' : 'x');
    receive(in); // the session drained
    const bool rearmed = ocs_watch_rearm(watch, &pending) == OCS_OK && pending == 0;
    send(out, rearmed && !readable(ocs_watch_fd(watch), 200) ? 'n' : 'x');
    receive(in); // another mail was reported
    send(out, readable(ocs_watch_fd(watch), 5000) ? 'r' : 'x');
    receive(in);
    ::_exit(0);
}

} // namespace

class WatchTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(WatchTest);
    CPPUNIT_TEST(testAnotherProcessWaitsWithoutTakingTheSessionsWakeUp);
    CPPUNIT_TEST(testWatchOfAnUnknownSessionIsNotFound);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>();
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
        inbox_ = ocs::test::openchange::provisionMailbox(daemon_->mapistore(), "alice", {"sogo://jdoe@INBOX/"})
                     .fids.at("sogo://jdoe@INBOX/");
    }

    void tearDown() override
    {
        if (handle_)
            ocs_close(handle_);
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testAnotherProcessWaitsWithoutTakingTheSessionsWakeUp()
    {
        int toChild[2], fromChild[2];
        CPPUNIT_ASSERT(::pipe(toChild) == 0 && ::pipe(fromChild) == 0);
        // Forked before this process opens any file: the child opens its own.
        const pid_t child = ::fork();
        CPPUNIT_ASSERT(child >= 0);
        if (child == 0)
            watchSide(daemon_->state(), toChild[0], fromChild[1]);
        ocs_session* session = openSession("s-w");
        send(toChild[1], 'g');
        CPPUNIT_ASSERT_EQUAL('n', receive(fromChild[0])); // nothing pending yet

        newMail("61");
        send(toChild[1], 'g');
        CPPUNIT_ASSERT_EQUAL('r', receive(fromChild[0]));        // the watch woke...
        CPPUNIT_ASSERT(readable(ocs_session_fd(session), 5000)); // ...and the session too
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, drain(session));
        send(toChild[1], 'g');
        CPPUNIT_ASSERT_EQUAL('n', receive(fromChild[0])); // drained: nothing pending

        newMail("62");
        send(toChild[1], 'g');
        CPPUNIT_ASSERT_EQUAL('r', receive(fromChild[0]));
        // A watch opened while an entry waits is readable at once.
        ocs_watch* late = nullptr;
        CPPUNIT_ASSERT(readable(ocs_session_fd(session), 5000));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_watch_open(handle_, "alice", "s-w", &late));
        CPPUNIT_ASSERT(readable(ocs_watch_fd(late), 0));
        int pending = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_watch_rearm(late, &pending));
        CPPUNIT_ASSERT_EQUAL(1, pending);
        CPPUNIT_ASSERT(readable(ocs_watch_fd(late), 0));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, drain(session));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_watch_rearm(late, &pending));
        CPPUNIT_ASSERT_EQUAL(0, pending);
        ocs_watch_close(late);

        // The watching process ends without closing its watch: the daemon
        // forgets it at the next wake-up.
        send(toChild[1], 'g');
        int status = -1;
        CPPUNIT_ASSERT_EQUAL(child, ::waitpid(child, &status, 0));
        CPPUNIT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        newMail("63");
        CPPUNIT_ASSERT(readable(ocs_session_fd(session), 5000));
        ocs_session_detach(session);
        ocs_close(handle_);
        handle_ = nullptr;
        auto registry = ocs::store::Registry::open(daemon_->state());
        CPPUNIT_ASSERT(registry.ok());
        bool forgotten = false;
        for (int i = 0; i < 200 && !forgotten; ++i) {
            auto left = (*registry)->watchers("s-w");
            CPPUNIT_ASSERT(left.ok());
            forgotten = left->empty();
            if (!forgotten)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        CPPUNIT_ASSERT(forgotten);
        // Closing the session removes its watchers too.
        CPPUNIT_ASSERT((*registry)->addWatcher("s-w", "0123456789abcdef").ok());
        CPPUNIT_ASSERT((*registry)->closeSession("alice", "s-w").ok());
        CPPUNIT_ASSERT((*registry)->watchers("s-w")->empty());
        for (int fd : {toChild[0], toChild[1], fromChild[0], fromChild[1]})
            ::close(fd);
    }

    void testWatchOfAnUnknownSessionIsNotFound()
    {
        ocs_session* session = openSession("s-known");
        ocs_watch* watch = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_E_NOT_FOUND, ocs_watch_open(handle_, "alice", "s-unknown", &watch));
        CPPUNIT_ASSERT_EQUAL(OCS_E_NOT_FOUND, ocs_watch_open(handle_, "bob", "s-known", &watch));
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT, ocs_watch_open(handle_, "alice", "bad/id", &watch));
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT, ocs_watch_open(handle_, "alice", nullptr, &watch));
        int pending = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_E_INVALID_ARGUMENT, ocs_watch_rearm(nullptr, &pending));
        CPPUNIT_ASSERT_EQUAL(-1, ocs_watch_fd(nullptr));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_close(session));
    }

  private:
    ocs_session* openSession(const char* id)
    {
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_open(daemon_->state().c_str(), &handle_));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_use_openchange_index(handle_, daemon_->mapistore().c_str()));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_bind(handle_, "alice", "SOGo", "jdoe"));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_map_folder(handle_, "alice", "sogo://jdoe@INBOX/", inbox_));
        ocs_session* session = nullptr;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_session_open(handle_, "alice", id, &session));
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_subscribe(session, 1, OCS_FNEV_NEW_MAIL, 0, 0, OCS_TABLE_NONE));
        return session;
    }

    void newMail(const std::string& id)
    {
        if (!producer_) {
            ocs::producer::ClientOptions options;
            options.url = daemon_->url();
            producer_ = std::make_unique<ocs::producer::ProducerClient>(options);
            CPPUNIT_ASSERT(producer_->login("mta", kPassword));
        }
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(producer_->newMail({"SOGo", "jdoe", "INBOX", id, {}, {}, {}, {}}, result));
        CPPUNIT_ASSERT_EQUAL(1u, result.queues);
    }

    std::size_t drain(ocs_session* session)
    {
        std::uint8_t buffer[4096];
        std::size_t written = 0, count = 0;
        CPPUNIT_ASSERT_EQUAL(OCS_OK, ocs_drain(session, 0, buffer, sizeof buffer, &written, &count));
        return count;
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
    std::unique_ptr<ocs::producer::ProducerClient> producer_;
    ocs_handle* handle_ = nullptr;
    std::uint64_t inbox_ = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(WatchTest);
