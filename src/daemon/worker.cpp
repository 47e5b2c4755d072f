#include "daemon/worker.hpp"

#include "daemon/log.hpp"
#include "daemon/messages.hpp"
#include "service/fault.hpp"

#include "soapH.h"

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
    soap_->frecv = countingRecv;
}

size_t Worker::countingRecv(struct soap* soap, char* buffer, size_t length)
{
    auto* worker = static_cast<Worker*>(static_cast<HttpContext*>(soap->user)->worker);
    const size_t n = worker->engineRecv_(soap, buffer, length);
    worker->received_ += n;
    return n;
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
    return soap_->bufidx < soap_->buflen || (soap_->ssl && SSL_pending(soap_->ssl) > 0);
}

bool Worker::serve(Connection& connection, const std::atomic<bool>& stopping)
{
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
    if (!open && soap_valid_socket(soap_->socket))
        soap_force_closesock(soap_);
    detach(connection);
    connection.lastActive = std::chrono::steady_clock::now();
    return open;
}

void Worker::serveOne()
{
    const auto started = std::chrono::steady_clock::now();
    record_.reset();
    received_ = soap_->buflen - soap_->bufidx; // pipelined bytes already buffered
    if (soap_begin_serve(soap_)) {
        // Nothing arrived: the client closed an idle connection.
        if (soap_->error == SOAP_EOF && received_ == 0) {
            soap_->keep_alive = 0;
            return;
        }
        // An HTTP handler answered (GET, HEAD, 405).
        if (soap_->error >= SOAP_STOP && record_.operation != "-")
            return finishRequest(started);
        // Otherwise the request was not SOAP (gSOAP reports a non-XML POST
        // body as SOAP_POST): answer it as malformed below.
        if (soap_->error >= SOAP_STOP)
            soap_->error = SOAP_SYNTAX_ERROR;
    } else if (authentication_.dispatch() == SOAP_NO_METHOD) {
        notification_.dispatch();
    }

    const int engineError = soap_->error;
    if (engineError != SOAP_OK && engineError < SOAP_STOP) {
        if (!record_.error) {
            // The request was not understood: its remaining bytes cannot
            // be trusted to frame another request on this connection.
            soap_->keep_alive = 0;
            record_.error = service::errorFromEngine(engineError);
            service::setFault(soap_, *record_.error);
        }
        soap_send_fault(soap_);
    }
    finishRequest(started);
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
    soap_destroy(soap_);
    soap_end(soap_);
}

} // namespace ocs::daemon
