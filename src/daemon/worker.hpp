// A worker: one gSOAP context with both service endpoints on it. It serves
// the requests that are waiting on a connection, then hands the connection
// back, so idle keep-alive connections never hold a worker.
#pragma once

#include "daemon/connection.hpp"
#include "daemon/http_resources.hpp"
#include "daemon/xml_scan.hpp"
#include "daemon/metrics.hpp"
#include "daemon/request_id.hpp"
#include "service/authentication_endpoint.hpp"
#include "service/notification_endpoint.hpp"
#include "service/request.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace ocs::daemon {

// Shared by every worker: where requests are counted and their ids drawn.
struct RequestAccounting {
    Metrics& metrics;
    RequestIds& ids;
};

class Worker {
public:
    Worker(struct soap* master, service::Dependencies& deps, const HttpContext& http, bool tls,
           unsigned maxKeepaliveRequests, RequestAccounting accounting);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Serves every request the connection has ready. Returns true when the
    // connection may wait for more (keep-alive), false when it was closed.
    bool serve(Connection& connection, const std::atomic<bool>& stopping);

private:
    void attach(Connection& connection);
    void detach(Connection& connection);
    bool handshake(Connection& connection);
    void serveOne();
    void finishRequest(std::chrono::steady_clock::time_point started);
    bool hasBufferedInput() const;
    static int requestReceived(struct soap* soap);
    static size_t receive(struct soap* soap, char* buffer, size_t length);
    static int parseHeaders(struct soap* soap);
    static int respond(struct soap* soap, int status, ULONG64 count);
    static int inspectInput(struct soap* soap, const char* data, size_t length);
    static void describeEngineFault(struct soap* soap, const char** code, const char** string);

    struct soap* soap_;
    service::RequestRecord record_;
    HttpContext http_;
    service::AuthenticationEndpoint authentication_;
    service::NotificationEndpoint notification_;
    bool tls_;
    unsigned maxKeepaliveRequests_;
    RequestAccounting accounting_;
    std::string requestId_;  // of the request being served
    std::string idHeader_;   // "X-Request-Id: <id>", sent with its answer
    size_t (*engineRecv_)(struct soap*, char*, size_t);
    int (*engineParse_)(struct soap*);
    int (*engineRespond_)(struct soap*, int, ULONG64);
    // While an endpoint's fault is sent: the keep-alive it answers with
    // (gSOAP would close the connection after any fault).
    int faultKeepAlive_ = 0;
    size_t received_ = 0;   // bytes of the current request read so far
    std::string unread_;    // bytes after the current request (pipelining)
    XmlScan scan_;          // the current request's body, as it arrives
    bool inBody_ = false;   // the HTTP headers are parsed: input is body
    std::uint64_t bodyScanned_ = 0;
    XmlScan::Verdict refused_ = XmlScan::Verdict::Acceptable;
    const std::atomic<bool>* stopping_ = nullptr;
};

} // namespace ocs::daemon
