// Fuzz target: the bytes one client sends on one connection — an HTTP
// request, or several pipelined — served from memory by the daemon's own
// Worker: the master context of daemon/service_context.cpp (every input
// limit the daemon sets), the DTD scan, the chained dispatch of the real
// Authentication and Notification endpoints, the GET/HEAD resources, and the
// auth and queue layers over a scratch state directory made once per process.
// No network: an eventfd stands in for the socket, gSOAP's receive hook reads
// the input (its end is the client shutting down its side), and its send hook
// keeps the start of the answer for one check.
//
// "@SESSION@" in the input stands for a live session token of the account
// "fuzz" (logged in again whenever an input logged it out), so that NewMail
// and Notify get past the session check into the event router. User "alice"
// works with SOGo user "jdoe" and is subscribed to every event of her whole
// store.
#include "auth/account_store.hpp"
#include "auth/authenticator.hpp"
#include "auth/scram.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "daemon/connection.hpp"
#include "daemon/http_resources.hpp"
#include "daemon/metrics.hpp"
#include "daemon/request_id.hpp"
#include "daemon/service_context.hpp"
#include "daemon/worker.hpp"
#include "queue/backends.hpp"
#include "queue/commit_writer.hpp"
#include "queue/event_router.hpp"
#include "queue/notifier.hpp"
#include "service/request.hpp"
#include "store/queue_store.hpp"
#include "store/registry.hpp"
#include "unit/store/temp_directory.hpp"

#include "soapH.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace ocs;

constexpr std::string_view kSessionMarker = "@SESSION@";
const std::string kLogin = "fuzz";
const std::string kPassword = "fuzz password";

[[noreturn]] void fail(const std::string& what)
{
    std::fprintf(stderr, "fuzz_soap_request: %s\n", what.c_str());
    std::abort();
}

template <typename T> T must(Result<T> result, const char* what)
{
    if (!result)
        fail(std::string(what) + ": " + result.error().detail);
    return std::move(*result);
}

// The connection's bytes, handed out in reads of varying sizes so that the
// DTD scan sees markers split across reads, as TCP may deliver them.
struct Transport {
    std::string_view input;
    std::size_t offset = 0;
    std::size_t reads = 0;
    std::string output;

    void reset(std::string_view bytes)
    {
        input = bytes;
        offset = 0;
        reads = 0;
        output.clear();
    }
};

Transport& transport()
{
    static Transport instance;
    return instance;
}

size_t receive(struct soap*, char* buffer, size_t length)
{
    static constexpr std::size_t kReadSizes[] = {4096, 1, 9, 700};
    Transport& t = transport();
    const std::size_t n = std::min({length, t.input.size() - t.offset, kReadSizes[t.reads++ % std::size(kReadSizes)]});
    std::memcpy(buffer, t.input.data() + t.offset, n);
    t.offset += n;
    return n;
}

int send(struct soap*, const char* data, size_t length)
{
    constexpr std::size_t kKept = 64; // enough for the status line
    std::string& output = transport().output;
    output.append(data, std::min(length, kKept - std::min(kKept, output.size())));
    return SOAP_OK;
}

int closeSocket(struct soap*, SOAP_SOCKET socket)
{
    ::close(socket);
    return SOAP_OK;
}

int shutdownSocket(struct soap*, SOAP_SOCKET, int)
{
    return SOAP_OK;
}

void replaceTransport(struct soap* soap)
{
    soap->frecv = receive;
    soap->fsend = send;
    soap->fclosesocket = closeSocket;
    soap->fshutdownsocket = shutdownSocket;
}

Config fuzzConfig(const std::filesystem::path& stateDirectory)
{
    Config config;
    config.stateDirectory = stateDirectory;
    config.log.console = false;
    config.store.sync = false;         // nothing here needs to survive a crash
    config.store.retainedEntries = 64; // keeps the scratch store small on long runs
    // Failures are still counted, but never lock the harness's own login out.
    config.auth.maxFailuresPerAccount = 1000000;
    config.auth.maxFailuresPerAddress = 1000000;
    config.auth.sessionTtl = std::chrono::hours(24 * 365);
    return config;
}

// The daemon's object graph, as main() builds it, on a scratch state
// directory with one account logged in and one subscribed session.
class Service {
  public:
    Service()
        : config_(fuzzConfig(directory_.path())),
          accounts_(must(auth::AccountStore::open(config_.stateDirectory), "accounts")),
          authenticator_(*accounts_, clock_, config_.auth),
          registry_(must(store::Registry::open(config_.stateDirectory), "registry")),
          queues_(must(store::QueueStore::open(config_.stateDirectory, storeOptions()), "queue store")),
          writer_(*queues_, config_.store.commitBatch), backends_(config_.backends),
          notifier_(config_.stateDirectory, *registry_),
          router_(backends_, *registry_, writer_, clock_, config_.limits.maxFieldLength, &notifier_),
          deps_{authenticator_, router_, config_},
          metrics_(daemon::serviceGauges(authenticator_, *queues_, nullptr)), // written without a journal
          master_(newMaster(config_))
    {
        addAccount();
        subscribe();
        http_.scheme = "http";
        http_.defaultAuthority = "127.0.0.1:5000";
        http_.metrics = &metrics_; // GET /metrics is fuzzed too
        worker_ = std::make_unique<daemon::Worker>(master_.get(), deps_, http_, false,
                                                   config_.server.maxKeepaliveRequests,
                                                   daemon::RequestAccounting{metrics_, requestIds_});
    }

    // Serves the connection until it is closed or its bytes run out, taking
    // it back and forth as the poller would between reads.
    void serve(std::string_view bytes)
    {
        if (session_.empty() || !authenticator_.session(session_))
            session_ = logIn();
        const std::string input = withSession(bytes);
        transport().reset(input);
        // The accepted socket: an eventfd, which gSOAP's poll before a fault
        // finds, like an open connection, writable with nothing to read. The
        // worker closes it when it ends the connection, as it would a socket.
        daemon::Connection connection;
        connection.fd = eventfd(0, EFD_CLOEXEC);
        if (connection.fd < 0)
            fail("eventfd failed");
        connection.peer = "127.0.0.1";
        connection.port = 40000;
        while (worker_->serve(connection, stopping_) && transport().offset < input.size()) {
        }
        connection.close(); // still open: the client went away, as the poller would see
        const std::string& output = transport().output;
        if (!output.empty() && output.compare(0, 7, "HTTP/1.") != 0)
            fail("an answer that is not HTTP: " + output);
    }

  private:
    store::QueueStoreOptions storeOptions() const
    {
        store::QueueStoreOptions options;
        options.sync = config_.store.sync;
        options.retainedEntries = config_.store.retainedEntries;
        return options;
    }

    static daemon::SoapContext newMaster(const Config& config)
    {
        daemon::SoapContext master = daemon::newServiceContext(config);
        if (!master)
            fail("cannot allocate the SOAP context");
        replaceTransport(master.get());
        return master;
    }

    void addAccount()
    {
        const auth::Permissions everything{{"*"},
                                           {EventType::NewMail, EventType::ObjectCreated, EventType::ObjectModified,
                                            EventType::ObjectDeleted, EventType::ObjectMoved, EventType::ObjectCopied}};
        if (Status status = accounts_->put(auth::makeAccount(kLogin, kPassword, scram::minIterations, everything));
            !status)
            fail("account: " + status.error().detail);
    }

    // GetToken and Login as a producer does them (doc/protocol.md).
    std::string logIn()
    {
        const auth::TokenChallenge token = must(authenticator_.getToken(kLogin, "127.0.0.1"), "GetToken");
        const scram::Key salted = scram::saltedPassword(kPassword, token.salt, token.iterations);
        const scram::Key clientKey = scram::clientKey(salted);
        const std::string authMessage = scram::authMessageFor(kLogin, token.challenge, token.salt, token.iterations);
        const scram::Key proof =
            scram::clientProof(clientKey, scram::clientSignature(scram::storedKey(clientKey), authMessage));
        const std::vector<std::uint8_t> proofBytes(proof.begin(), proof.end());
        return must(authenticator_.login(kLogin, token.challenge, proofBytes, "127.0.0.1"), "Login").session;
    }

    void subscribe()
    {
        const BackendConfig& sogo = *backends_.find("SOGo");
        const std::string user = "alice", backendUser = queue::Backends::userKey(sogo, "jdoe");
        store::Subscription all{"fuzz-session", 1, 0xFFFF, 0, 0, store::TableType::None, {}};
        Status status = registry_->bind(user, sogo.name, backendUser);
        if (status)
            status = registry_->mapFolder(user, queue::Backends::folderUri(sogo, backendUser, "INBOX"), 0x10001);
        if (status)
            status = registry_->subscribe(user, all);
        if (!status)
            fail("registry: " + status.error().detail);
    }

    std::string withSession(std::string_view bytes) const
    {
        std::string out(bytes);
        for (auto at = out.find(kSessionMarker); at != std::string::npos;
             at = out.find(kSessionMarker, at + session_.size()))
            out.replace(at, kSessionMarker.size(), session_);
        return out;
    }

    test::TempDirectory directory_;
    Config config_;
    SystemClock clock_;
    std::unique_ptr<auth::AccountStore> accounts_;
    auth::Authenticator authenticator_;
    std::unique_ptr<store::Registry> registry_;
    std::unique_ptr<store::QueueStore> queues_;
    queue::CommitWriter writer_;
    queue::Backends backends_;
    queue::Notifier notifier_;
    queue::EventRouter router_;
    service::Dependencies deps_;
    daemon::Metrics metrics_;
    daemon::RequestIds requestIds_;
    daemon::SoapContext master_;
    daemon::HttpContext http_;
    std::unique_ptr<daemon::Worker> worker_;
    std::string session_;
    std::atomic<bool> stopping_{false};
};

std::unique_ptr<Service>& harness()
{
    static std::unique_ptr<Service> instance;
    return instance;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    harness() = std::make_unique<Service>();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    harness()->serve(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
