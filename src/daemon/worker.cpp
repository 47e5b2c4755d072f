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
               unsigned maxKeepaliveRequests, RequestAccounting accounting)
    : soap_(soap_copy(master)), http_(http), authentication_(soap_, deps, record_),
      notification_(soap_, deps, record_), tls_(tls), maxKeepaliveRequests_(maxKeepaliveRequests),
      accounting_(accounting), scan_(static_cast<std::size_t>(master->maxlevel))
{
    http_.record = &record_;
    http_.deps = &deps;
    http_.worker = this;
    installHttpHandlers(soap_, http_);
    engineRecv_ = soap_->frecv;
    soap_->frecv = receive;
    engineParse_ = soap_->fparse;
    soap_->fparse = parseHeaders;
    engineRespond_ = soap_->fresponse;
    soap_->fresponse = respond;
    soap_->fpreparerecv = inspectInput;
    soap_->fseterror = describeEngineFault;
    soap_->fpreparefinalrecv = requestReceived;
}

namespace {

Worker& workerOf(struct soap* soap)
{
    return *static_cast<HttpContext*>(soap->user)->worker;
}

// SOAP 1.2 travels as application/soap+xml, SOAP 1.1 as text/xml.
int soapVersionOf(const char* contentType)
{
    std::string type = contentType ? contentType : "";
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
    return type.rfind("application/soap+xml", 0) == 0 ? 2 : 1;
}

// The row for input the scan refused, whatever error the XML parser reports
// once its input has stopped.
Error refusalError(XmlScan::Verdict verdict)
{
    const ErrorCode code =
        verdict == XmlScan::Verdict::TooDeep ? ErrorCode::PayloadTooLarge : ErrorCode::MalformedRequest;
    return makeError(code, {}, describe(verdict));
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

// gSOAP's HTTP header parser, then the start of the body: a body announced
// larger than limits.max_request_bytes is refused before any of it is read.
int Worker::parseHeaders(struct soap* soap)
{
    Worker& worker = workerOf(soap);
    const int status = worker.engineParse_(soap);
    worker.inBody_ = true;
    if (status == SOAP_OK && soap->recv_maxlength && soap->length > soap->recv_maxlength)
        return soap->error = SOAP_LENGTH;
    return status;
}

// gSOAP's HTTP status line and headers. soap_send_fault turns keep-alive off
// before writing them; a fault an endpoint raised keeps it (see serveOne).
int Worker::respond(struct soap* soap, int status, ULONG64 count)
{
    Worker& worker = workerOf(soap);
    if (worker.faultKeepAlive_)
        soap->keep_alive = worker.faultKeepAlive_;
    return worker.engineRespond_(soap, status, count);
}

// Sees the body after TLS and gzip, piece by piece (the HTTP headers are
// gSOAP's), and refuses what XmlScan refuses.
int Worker::inspectInput(struct soap* soap, const char* data, size_t length)
{
    Worker& worker = workerOf(soap);
    if (!worker.inBody_)
        return SOAP_OK;
    // An uncompressed body ends at its Content-Length; what follows is the
    // next request of a pipelining client, scanned when that one is served.
    if (soap->zlib_in == SOAP_ZLIB_NONE && soap->length > 0) {
        const std::uint64_t left = soap->length > worker.bodyScanned_ ? soap->length - worker.bodyScanned_ : 0;
        length = static_cast<size_t>(std::min<std::uint64_t>(length, left));
    }
    worker.bodyScanned_ += length;
    const XmlScan::Verdict verdict = worker.scan_.feed(std::string_view(data, length));
    if (verdict == XmlScan::Verdict::Acceptable)
        return SOAP_OK;
    worker.refused_ = verdict;
    return soap->error = verdict == XmlScan::Verdict::TooDeep ? SOAP_LEVEL : SOAP_SYNTAX_ERROR;
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
    requestId_ = accounting_.ids.next();
    idHeader_ = "X-Request-Id: " + requestId_;
    soap_->http_extra_header = idHeader_.c_str();
    const log::RequestScope scope(requestId_);
    received_ = unread_.size();
    inBody_ = false;
    bodyScanned_ = 0;
    scan_.reset();
    refused_ = XmlScan::Verdict::Acceptable;
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
    if (soap_->error != SOAP_OK && soap_->error < SOAP_STOP) {
        // An endpoint refuses a request it has read whole and understood
        // (record_.error is set): the connection can carry the next one, so
        // a producer with one bad event or an expired session keeps it.
        // Engine faults (the request not understood) still close it.
        faultKeepAlive_ = record_.error ? soap_->keep_alive : 0;
        soap_send_fault(soap_);
        faultKeepAlive_ = 0;
    }
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
    if (worker.refused_ != XmlScan::Verdict::Acceptable)
        error = refusalError(worker.refused_);
    else if (soap->recv_maxlength && (soap->length > soap->recv_maxlength || soap->count > soap->recv_maxlength))
        // Announced too large, or cut off at the limit: to the XML parser a
        // cut body looks truncated.
        error = makeError(ErrorCode::PayloadTooLarge, {}, "body over limits.max_request_bytes");
    // Refused before an envelope was read, the context still has the default
    // SOAP version of the namespace table (1.2): answer in the version the
    // request's Content-Type names instead.
    if (soap->part < SOAP_IN_ENVELOPE)
        soap_set_version(soap, soapVersionOf(soap->http_content));
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
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    // Events first: a scrape that sees the request counted sees its events.
    accounting_.metrics.recordEvents(record_.operation, record_.queued, record_.duplicates, record_.refused);
    accounting_.metrics.recordRequest(record_.operation, record_.error, elapsed);
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
    if (record_.queued || record_.duplicates || !record_.refused.empty())
        line += " queued=" + std::to_string(record_.queued) + " duplicates=" + std::to_string(record_.duplicates) +
                " refused=" + std::to_string(record_.refused.size());
    line += " duration_us=" + std::to_string(elapsed.count());
    log::info(msg::Request, line);
    // The client was told only "Internal error": the operator needs more.
    if (record_.error && record_.error->code == ErrorCode::InternalError)
        log::error(msg::InternalError, line);
    soap_destroy(soap_);
    soap_end(soap_);
}

} // namespace ocs::daemon
