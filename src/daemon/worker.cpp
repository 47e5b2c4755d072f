#include "daemon/worker.hpp"

#include "daemon/log.hpp"
#include "daemon/messages.hpp"
#include "service/fault.hpp"

#include "soapH.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

namespace ocs::daemon {

Worker::Worker(struct soap* master, service::Dependencies& deps, const HttpContext& http, bool tls,
               unsigned maxKeepaliveRequests)
    : soap_(soap_copy(master)), http_(http), authentication_(soap_, deps, record_),
      notification_(soap_, deps, record_), tls_(tls), maxKeepaliveRequests_(maxKeepaliveRequests)
{
    http_.record = &record_;
    http_.deps = &deps;
    http_.worker = this;
    installHttpHandlers(soap_, http_);
    engineRecv_ = soap_->frecv;
    soap_->frecv = receive;
    soap_->fpreparerecv = inspectInput;
    soap_->fseterror = describeEngineFault;
    soap_->fpreparefinalrecv = requestReceived;
}

namespace {

Worker& workerOf(struct soap* soap)
{
    return *static_cast<HttpContext*>(soap->user)->worker;
}

} // namespace

// Reads what a pipelining client sent after the previous request first, then
// the socket; counts the bytes so an idle close can be told from a request.
size_t Worker::receive(struct soap* soap, char* buffer, size_t length)
{
    Worker& worker = workerOf(soap);
    size_t n = 0;
    if (!worker.unread_.empty()) {
        n = std::min(length, worker.unread_.size());
        std::memcpy(buffer, worker.unread_.data(), n);
        worker.unread_.erase(0, n);
    } else {
        n = worker.engineRecv_(soap, buffer, length);
    }
    worker.received_ += n;
    return n;
}

// Sees the input after TLS and gzip: documents with a DTD are refused, so no
// entity is ever declared, let alone expanded.
int Worker::inspectInput(struct soap* soap, const char* data, size_t length)
{
    constexpr size_t kLongestMarker = 9; // "<!DOCTYPE"
    const auto hasMarker = [](std::string_view text) {
        return text.find("<!DOCTYPE") != std::string_view::npos || text.find("<!ENTITY") != std::string_view::npos;
    };
    Worker& worker = workerOf(soap);
    const std::string_view chunk(data, length);
    // The chunk itself, and a marker split between the previous chunk and this one.
    const std::string seam = worker.scanTail_ + std::string(chunk.substr(0, kLongestMarker - 1));
    if (hasMarker(chunk) || hasMarker(seam)) {
        worker.dtdSeen_ = true;
        return soap->error = SOAP_SYNTAX_ERROR;
    }
    const std::string_view end = length >= kLongestMarker ? chunk.substr(length - kLongestMarker) : std::string_view(seam);
    worker.scanTail_ = std::string(end.substr(end.size() > kLongestMarker ? end.size() - kLongestMarker : 0));
    return SOAP_OK;
}

// Called once a request is fully read, before it is answered. gSOAP reuses
// its buffer to send the answer, so the bytes a pipelining client sent after
// this request are moved aside here and read first by receive(). When the
// daemon is stopping, the answer says Connection: close.
int Worker::requestReceived(struct soap* soap)
{
    Worker& worker = workerOf(soap);
    if (worker.stopping_ && *worker.stopping_)
        soap->keep_alive = 0;
    // What the XML parser left of a body is blank (a client's trailing CRLF);
    // blank lines before a request line are ignored as HTTP allows, so only
    // real bytes keep the connection on this worker.
    size_t start = soap->bufidx;
    while (start < soap->buflen && std::isspace(static_cast<unsigned char>(soap->buf[start])))
        ++start;
    if (start < soap->buflen)
        worker.unread_.append(soap->buf + start, soap->buflen - start);
    soap->buflen = soap->bufidx;
    return SOAP_OK;
}

Worker::~Worker()
{
    soap_destroy(soap_);
    soap_end(soap_);
    soap_free(soap_);
}

void Worker::attach(Connection& connection)
{
    soap_->socket = connection.fd;
    soap_->ssl = connection.ssl;
    soap_->bufidx = 0;
    soap_->buflen = 0;
    unread_.clear();
    soap_->port = connection.port;
    std::strncpy(soap_->host, connection.peer.c_str(), sizeof(soap_->host) - 1);
    soap_->host[sizeof(soap_->host) - 1] = '\0';
    record_.peer = connection.peer;
}

// Takes the connection's socket and TLS session back out of the context;
// gSOAP may have closed them (soap->socket invalid afterwards).
void Worker::detach(Connection& connection)
{
    if (!soap_valid_socket(soap_->socket)) {
        // gSOAP frees the TLS session when it closes the connection itself;
        // a session it left behind is freed here.
        if (soap_->ssl)
            SSL_free(soap_->ssl);
        connection.fd = -1;
        connection.ssl = nullptr;
        connection.closed = true;
    } else {
        connection.ssl = soap_->ssl;
    }
    soap_->socket = SOAP_INVALID_SOCKET;
    soap_->ssl = nullptr;
}

bool Worker::handshake(Connection& connection)
{
    if (!tls_ || connection.ssl)
        return true;
    if (soap_ssl_accept(soap_) == SOAP_OK)
        return true;
    log::warning(msg::TlsHandshake, "peer=" + connection.peer + " TLS handshake failed");
    return false;
}

bool Worker::hasBufferedInput() const
{
    return !unread_.empty() || (soap_->ssl && SSL_pending(soap_->ssl) > 0);
}

bool Worker::serve(Connection& connection, const std::atomic<bool>& stopping)
{
    stopping_ = &stopping;
    attach(connection);
    bool open = handshake(connection);
    while (open) {
        ++connection.requests;
        // gSOAP announces keep_alive as the requests this connection has left.
        soap_->keep_alive = stopping ? 0 : static_cast<int>(maxKeepaliveRequests_ - connection.requests);
        serveOne();
        open = soap_valid_socket(soap_->socket) && soap_->keep_alive != 0 && !stopping;
        if (!open || !hasBufferedInput())
            break;
    }
    detach(connection);
    // What gSOAP has not closed yet: a failed TLS handshake, the last request
    // a connection may make, a stopping daemon. gSOAP's own close would wait
    // up to 5 s for the client's TLS close_notify, and soap_force_closesock
    // would leave the TLS session allocated.
    if (!open)
        connection.close();
    connection.lastActive = std::chrono::steady_clock::now();
    return open;
}

void Worker::serveOne()
{
    const auto started = std::chrono::steady_clock::now();
    record_.reset();
    received_ = unread_.size();
    scanTail_.clear();
    dtdSeen_ = false;
    if (soap_begin_serve(soap_)) {
        // Nothing arrived: the client closed an idle connection.
        if (soap_->error == SOAP_EOF && received_ == 0) {
            soap_->keep_alive = 0;
            return;
        }
        // SOAP_STOP and above without an HTTP handler having answered: the
        // body was not SOAP at all (gSOAP reports a non-XML POST as
        // SOAP_POST). Below SOAP_STOP gSOAP has already sent the fault that
        // describeEngineFault filled in.
        if (soap_->error >= SOAP_STOP && record_.operation == "-") {
            soap_->error = SOAP_SYNTAX_ERROR;
            // On a connection the client did not keep alive, gSOAP has
            // closed the socket already: nobody is left to answer.
            if (soap_valid_socket(soap_->socket))
                soap_send_fault(soap_);
            else
                record_.error = service::errorFromEngine(SOAP_SYNTAX_ERROR);
        }
        return finishRequest(started);
    }
    if (authentication_.dispatch() == SOAP_NO_METHOD)
        notification_.dispatch();
    if (soap_->error != SOAP_OK && soap_->error < SOAP_STOP)
        soap_send_fault(soap_);
    finishRequest(started);
}

// gSOAP's hook for the fault it is about to send: every engine error (HTTP,
// XML, limits, unknown operation) becomes its error-table row here. Faults an
// endpoint raised are already described and left alone.
void Worker::describeEngineFault(struct soap* soap, const char**, const char**)
{
    Worker& worker = workerOf(soap);
    if (worker.record_.error)
        return;
    Error error = service::errorFromEngine(soap->error);
    if (worker.dtdSeen_)
        error.detail = "DTD in request";
    const int engineError = soap->error;
    service::setFault(soap, error);
    soap->error = engineError;
    // The request was not understood: its remaining bytes cannot be trusted
    // to frame another request on this connection.
    soap->keep_alive = 0;
    worker.record_.error = std::move(error);
}

void Worker::finishRequest(std::chrono::steady_clock::time_point started)
{
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    std::string line = "peer=" + record_.peer + " op=" + log::field(record_.operation) +
                       " account=" + log::field(record_.account);
    if (record_.error) {
        const ErrorRow& row = record_.error->row();
        line += " outcome=" + std::string(row.name) + " code=" + std::to_string(row.code);
        if (!record_.error->detail.empty())
            line += " detail=" + log::field(record_.error->detail);
    } else {
        line += " outcome=ok";
    }
    line += " duration_us=" + std::to_string(micros);
    log::info(msg::Request, line);
    // The client was told only "Internal error": the operator needs more.
    if (record_.error && record_.error->code == ErrorCode::InternalError)
        log::error(msg::InternalError, line);
    soap_destroy(soap_);
    soap_end(soap_);
}

} // namespace ocs::daemon
