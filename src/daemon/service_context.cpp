#include "daemon/service_context.hpp"

#include "config/config.hpp"

#include "soapH.h"

namespace ocs::daemon {

void FreeSoapContext::operator()(struct soap* soap) const
{
    soap_destroy(soap);
    soap_end(soap);
    soap_free(soap);
}

SoapContext newServiceContext(const Config& config)
{
    SoapContext soap(
        soap_new2(SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING | SOAP_XML_STRICT, SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING));
    if (!soap)
        return soap;
    const LimitsConfig& limits = config.limits;
    soap->recv_maxlength = limits.maxRequestBytes;
    soap->maxlevel = limits.maxDepth;
    // The body size bounds how many elements fit; the Notify batch limit
    // (limits.max_occurs) is checked by the service so that it gets its own
    // fault instead of a schema error.
    soap->maxoccurs = static_cast<size_t>(limits.maxRequestBytes);
    soap->maxlength = static_cast<long>(limits.maxFieldLength);
    soap->recv_timeout = static_cast<int>(config.server.recvTimeout.count());
    soap->send_timeout = static_cast<int>(config.server.sendTimeout.count());
    soap->transfer_timeout = static_cast<int>(config.server.transferTimeout.count());
    soap->max_keep_alive = static_cast<int>(config.server.maxKeepaliveRequests);
    // gSOAP polls the socket before answering and drops the answer when the
    // peer has shut down its sending side, which a client may do once its
    // request is sent (shutdown(SHUT_WR), as `nc -N` does): that client would
    // never get its answer. Without the poll a client that is really gone
    // only makes the send fail (SIGPIPE is blocked in the daemon).
    soap->fpoll = nullptr;
    // Once gSOAP has closed a connection, its I/O falls back to these
    // descriptors (standard input and output by default): an answer would be
    // written to the daemon's own output, a read would wait on its input.
    soap->recvfd = -1;
    soap->sendfd = -1;
    return soap;
}

} // namespace ocs::daemon
