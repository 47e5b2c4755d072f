#include "daemon/server.hpp"

#include "common/thread_name.hpp"
#include "daemon/connection.hpp"
#include "daemon/log.hpp"
#include "daemon/log_throttle.hpp"
#include "daemon/messages.hpp"
#include "daemon/request_id.hpp"
#include "daemon/service_context.hpp"
#include "daemon/worker.hpp"

#include "soapH.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ocs::daemon {
namespace {

constexpr int kPollIntervalMs = 500;

std::string peerText(const sockaddr_storage& address, int& port)
{
    char text[INET6_ADDRSTRLEN] = "?";
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        port = ntohs(in.sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
        port = ntohs(in6.sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr))
            inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], text, sizeof text);
        else
            inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    }
    return text;
}

int tlsProtocols(const std::string& minVersion)
{
    return minVersion == "1.3" ? SOAP_TLSv1_3 : (SOAP_TLSv1_2 | SOAP_TLSv1_3);
}

} // namespace

bool isLoopbackHost(const std::string& host)
{
    if (host == "localhost" || host == "::1")
        return true;
    in_addr v4{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

struct Server::Impl {
    const Config& config;
    service::Dependencies& deps;
    Metrics& metrics;
    RequestIds requestIds;
    SoapContext master;
    std::string host;
    unsigned short requestedPort = 0;
    unsigned short boundPort = 0;
    bool tls = false;
    int epoll = -1;
    int wake = -1;
    bool acceptPaused = false; // out of file descriptors: the listening socket is not polled
    std::size_t connectionCapacity = 0; // what RLIMIT_NOFILE leaves for connections
    log::Throttle pauseWarnings;
    std::atomic<bool> stopping{false};

    // Connections, owned by the poller thread; each is either waiting in
    // epoll (idle) or held by exactly one worker (busy).
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections;
    std::unordered_set<Connection*> busy;

    // Poller → workers.
    std::mutex readyMutex;
    std::condition_variable readyCondition;
    std::deque<Connection*> ready;
    bool readyClosed = false;

    // Workers → poller: connections handed back, and whether they stay open.
    std::mutex returnedMutex;
    std::vector<std::pair<Connection*, bool>> returned;

    Impl(const Config& c, service::Dependencies& d, Metrics& m) : config(c), deps(d), metrics(m) {}

    ~Impl()
    {
        for (auto& [raw, connection] : connections)
            connection->close();
        if (wake >= 0)
            ::close(wake);
        if (epoll >= 0)
            ::close(epoll);
    }

    Status configureMaster();
    Status configureTls();
    Status bind();
    void poll();
    void accept();
    void sizeToDescriptorLimit();
    void pauseAccepting(const std::string& reason);
    void resumeAccepting();
    void dispatch(Connection* connection);
    void takeReturned();
    void closeIdle(bool all);
    void workerLoop(Worker& worker);
    Connection* nextReady();
    void giveBack(Connection* connection, bool open);
    void arm(Connection* connection);
    void release(Connection* connection);
};

Status Server::Impl::configureMaster()
{
    master = newServiceContext(config);
    if (!master)
        return makeError(ErrorCode::InternalError, {}, "cannot allocate the SOAP context");
    master->bind_flags = SO_REUSEADDR;
    return {};
}

Status Server::Impl::configureTls()
{
    const TlsConfig& t = config.tls;
    tls = !t.certificateFile.empty();
    if (!tls) {
        if (!isLoopbackHost(host) && !config.server.allowPlainHttp)
            return makeError(ErrorCode::InvalidParameter, "server.listen",
                             "refusing plain HTTP on non-loopback address " + host +
                                 ": configure [tls] or set server.allow_plain_http = true");
        return {};
    }
    if (soap_ssl_server_context(master.get(), SOAP_SSL_DEFAULT | tlsProtocols(t.minVersion), nullptr, nullptr, nullptr,
                                nullptr, nullptr, nullptr, "ocsmanagerd"))
        return makeError(ErrorCode::InvalidParameter, "tls", "cannot create the TLS context");
    if (SSL_CTX_use_certificate_chain_file(master->ctx, t.certificateFile.c_str()) != 1)
        return makeError(ErrorCode::InvalidParameter, "tls.certificate_file",
                         "cannot load certificate chain " + t.certificateFile);
    if (SSL_CTX_use_PrivateKey_file(master->ctx, t.keyFile.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(master->ctx) != 1)
        return makeError(ErrorCode::InvalidParameter, "tls.key_file",
                         "cannot load private key " + t.keyFile + " matching the certificate");
    return {};
}

Status Server::Impl::bind()
{
    if (host.find(':') != std::string::npos) {
        master->bind_inet6 = 1;
        master->bind_v6only = 0;
    }
    if (!soap_valid_socket(
            soap_bind(master.get(), host.c_str(), requestedPort, static_cast<int>(config.server.backlog))))
        return makeError(ErrorCode::InvalidParameter, "server.listen",
                         "cannot listen on " + config.server.listen + ": " + std::strerror(errno));
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    getsockname(master->master, reinterpret_cast<sockaddr*>(&address), &length);
    int port = 0;
    peerText(address, port);
    boundPort = static_cast<unsigned short>(port);
    fcntl(master->master, F_SETFL, fcntl(master->master, F_GETFL) | O_NONBLOCK);

    epoll = epoll_create1(EPOLL_CLOEXEC);
    wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll < 0 || wake < 0)
        return makeError(ErrorCode::InternalError, {}, std::string("epoll/eventfd: ") + std::strerror(errno));
    epoll_event listenEvent{};
    listenEvent.events = EPOLLIN;
    listenEvent.data.ptr = nullptr;
    epoll_event wakeEvent{};
    wakeEvent.events = EPOLLIN;
    wakeEvent.data.ptr = this;
    epoll_ctl(epoll, EPOLL_CTL_ADD, master->master, &listenEvent);
    epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &wakeEvent);
    sizeToDescriptorLimit();
    return {};
}

void Server::Impl::accept()
{
    for (;;) {
        if (connections.size() >= connectionCapacity)
            return pauseAccepting("RLIMIT_NOFILE leaves room for " + std::to_string(connectionCapacity) +
                                  " connections");
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const int fd = accept4(master->master, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE))
            return pauseAccepting(std::strerror(errno));
        if (fd < 0)
            return; // EAGAIN: accepted everything waiting
        auto connection = std::make_unique<Connection>();
        connection->fd = fd;
        connection->peer = peerText(address, connection->port);
        connection->lastActive = std::chrono::steady_clock::now();
        if (connections.size() >= config.server.maxConnections) {
            log::warning(msg::ConnectionLimit, "peer=" + connection->peer + " refused: " +
                                                   std::to_string(connections.size()) + " connections open");
            connection->close();
            continue;
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Connection* raw = connection.get();
        connections.emplace(raw, std::move(connection));
        metrics.connectionOpened();
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
        event.data.ptr = raw;
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
}

// The daemon keeps descriptors for its own files (a new journal segment), so
// that a flood of connections cannot make a write fail: connections may take what
// RLIMIT_NOFILE leaves beyond those open now and kReservedDescriptors more.
void Server::Impl::sizeToDescriptorLimit()
{
    constexpr std::size_t kReservedDescriptors = 16;
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const std::size_t used = openDescriptors().value_or(0) + kReservedDescriptors;
    const auto available = static_cast<std::size_t>(limit.rlim_cur);
    connectionCapacity = available > used ? available - used : 0;
    if (connectionCapacity < config.server.maxConnections)
        log::warning(msg::OutOfDescriptors, "RLIMIT_NOFILE " + std::to_string(limit.rlim_cur) + " leaves room for " +
                                                std::to_string(connectionCapacity) +
                                                " connections, fewer than server.max_connections " +
                                                std::to_string(config.server.maxConnections));
}

// Out of file descriptors: the connection stays in the backlog and the
// listening socket stays readable, so polling it again at once would spin.
// It is polled again when a connection is released, or at the next sweep.
void Server::Impl::pauseAccepting(const std::string& reason)
{
    acceptPaused = true;
    epoll_event event{};
    event.data.ptr = nullptr;
    epoll_ctl(epoll, EPOLL_CTL_MOD, master->master, &event);
    std::uint64_t heldBack = 0;
    if (!pauseWarnings.allow(heldBack))
        return;
    log::warning(msg::OutOfDescriptors, "cannot accept: " + reason + "; " +
                                            std::to_string(connections.size()) +
                                            " connections open; new connections wait in the backlog");
}

void Server::Impl::resumeAccepting()
{
    if (!acceptPaused || stopping)
        return;
    acceptPaused = false;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;
    epoll_ctl(epoll, EPOLL_CTL_MOD, master->master, &event);
}

void Server::Impl::arm(Connection* connection)
{
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.ptr = connection;
    epoll_ctl(epoll, EPOLL_CTL_MOD, connection->fd, &event);
}

void Server::Impl::release(Connection* connection)
{
    connection->close();
    busy.erase(connection);
    connections.erase(connection);
    resumeAccepting();
    metrics.connectionClosed();
}

void Server::Impl::dispatch(Connection* connection)
{
    busy.insert(connection);
    {
        std::lock_guard lock(readyMutex);
        ready.push_back(connection);
    }
    readyCondition.notify_one();
}

void Server::Impl::takeReturned()
{
    std::uint64_t count = 0;
    [[maybe_unused]] auto ignored = ::read(wake, &count, sizeof count);
    std::vector<std::pair<Connection*, bool>> batch;
    {
        std::lock_guard lock(returnedMutex);
        batch.swap(returned);
    }
    for (auto [connection, open] : batch) {
        busy.erase(connection);
        if (open && !stopping)
            arm(connection);
        else
            release(connection);
    }
}

void Server::Impl::closeIdle(bool all)
{
    const auto deadline = std::chrono::steady_clock::now() - config.server.keepaliveTimeout;
    std::vector<Connection*> expired;
    for (auto& [raw, connection] : connections) {
        if (!busy.count(raw) && (all || connection->lastActive < deadline))
            expired.push_back(raw);
    }
    for (Connection* connection : expired)
        release(connection);
}

void Server::Impl::poll()
{
    std::vector<epoll_event> events(256);
    auto lastSweep = std::chrono::steady_clock::now();
    while (!stopping) {
        const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), kPollIntervalMs);
        for (int i = 0; i < n; ++i) {
            void* tag = events[i].data.ptr;
            if (tag == nullptr)
                accept();
            else if (tag == this)
                takeReturned();
            else
                dispatch(static_cast<Connection*>(tag));
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastSweep >= std::chrono::seconds(1)) {
            closeIdle(false);
            resumeAccepting();
            lastSweep = now;
        }
    }
    // Stopping: no new connections, idle ones closed, busy ones come back
    // from their workers once their request is answered.
    epoll_ctl(epoll, EPOLL_CTL_DEL, master->master, nullptr);
    soap_closesock(master.get());
    closeIdle(true);
    while (!busy.empty()) {
        epoll_event event{};
        if (epoll_wait(epoll, &event, 1, kPollIntervalMs) > 0 && event.data.ptr == this)
            takeReturned();
    }
    {
        std::lock_guard lock(readyMutex);
        readyClosed = true;
    }
    readyCondition.notify_all();
}

Connection* Server::Impl::nextReady()
{
    std::unique_lock lock(readyMutex);
    readyCondition.wait(lock, [this] { return readyClosed || !ready.empty(); });
    if (ready.empty())
        return nullptr;
    Connection* connection = ready.front();
    ready.pop_front();
    return connection;
}

void Server::Impl::giveBack(Connection* connection, bool open)
{
    {
        std::lock_guard lock(returnedMutex);
        returned.emplace_back(connection, open);
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto ignored = ::write(wake, &one, sizeof one);
}

void Server::Impl::workerLoop(Worker& worker)
{
    while (Connection* connection = nextReady())
        giveBack(connection, worker.serve(*connection, stopping));
}

Server::Server(const Config& config, service::Dependencies& deps, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, deps, metrics))
{
}

Server::~Server() = default;

Status Server::open()
{
    auto listen = parseListen(impl_->config.server.listen);
    if (!listen)
        return listen.error();
    impl_->host = listen->first;
    impl_->requestedPort = listen->second;
    for (auto step : {&Impl::configureMaster, &Impl::configureTls, &Impl::bind}) {
        if (Status status = (impl_.get()->*step)(); !status)
            return status;
    }
    return {};
}

unsigned short Server::port() const
{
    return impl_->boundPort;
}

std::string Server::describe() const
{
    const bool v6 = impl_->host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + impl_->host + "]" : impl_->host;
    return std::string(impl_->tls ? "https" : "http") + "://" + host + ":" + std::to_string(impl_->boundPort) +
           "/ workers=" + std::to_string(impl_->config.server.workers);
}

void Server::run()
{
    HttpContext http;
    http.scheme = impl_->tls ? "https" : "http";
    const bool v6 = impl_->host.find(':') != std::string::npos;
    http.defaultAuthority = (v6 ? "[" + impl_->host + "]" : impl_->host) + ":" + std::to_string(impl_->boundPort);
    http.metrics = impl_->config.server.metrics ? &impl_->metrics : nullptr;

    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < impl_->config.server.workers; ++i) {
        workers.push_back(std::make_unique<Worker>(impl_->master.get(), impl_->deps, http, impl_->tls,
                                                   impl_->config.server.maxKeepaliveRequests,
                                                   RequestAccounting{impl_->metrics, impl_->requestIds}));
        threads.emplace_back([this, worker = workers.back().get()] {
            nameThisThread("ocs-worker");
            impl_->workerLoop(*worker);
        });
    }
    impl_->poll();
    for (std::thread& thread : threads)
        thread.join();
}

void Server::stop()
{
    impl_->stopping = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] auto ignored = ::write(impl_->wake, &one, sizeof one);
}

} // namespace ocs::daemon
