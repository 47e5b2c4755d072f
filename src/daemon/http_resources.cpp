#include "daemon/http_resources.hpp"

#include "auth/authenticator.hpp"
#include "daemon/contract.hpp"
#include "daemon/metrics.hpp"

#include "soapH.h"

#include <cstring>
#include <string>
#include <string_view>

#ifndef OCS_VERSION
#define OCS_VERSION "unknown"
#endif

namespace ocs::daemon {
namespace {

constexpr std::string_view kContractLocation = "http://127.0.0.1:5000/";

HttpContext& contextOf(struct soap* soap)
{
    return *static_cast<HttpContext*>(soap->user);
}

// Host header characters that may be reflected into the served WSDL.
bool isSafeAuthority(std::string_view authority)
{
    if (authority.empty() || authority.size() > 255)
        return false;
    for (char c : authority) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '-' || c == ':' || c == '[' || c == ']';
        if (!ok)
            return false;
    }
    return true;
}

// The address clients used to reach us, so the served WSDL points back here
// whatever port or name the daemon runs on.
std::string serviceLocation(struct soap* soap, const HttpContext& context)
{
    std::string_view authority = soap->endpoint;
    if (auto scheme = authority.find("://"); scheme != std::string_view::npos)
        authority.remove_prefix(scheme + 3);
    authority = authority.substr(0, authority.find('/'));
    if (!isSafeAuthority(authority))
        authority = context.defaultAuthority;
    return context.scheme + "://" + std::string(authority) + "/";
}

std::string wsdlFor(struct soap* soap, const HttpContext& context)
{
    std::string wsdl(kContractWsdl);
    const std::string location = serviceLocation(soap, context);
    for (auto at = wsdl.find(kContractLocation); at != std::string::npos;
         at = wsdl.find(kContractLocation, at + location.size()))
        wsdl.replace(at, kContractLocation.size(), location);
    return wsdl;
}

std::string plainError(ErrorCode code)
{
    const ErrorRow& row = errorRow(code);
    return std::to_string(row.code) + " " + std::string(row.name) + ": " + std::string(row.message) + "\n";
}

int respond(struct soap* soap, int httpStatus, const char* contentType, const std::string& body, bool withBody)
{
    // Store the whole answer first so it carries a Content-Length and the
    // connection can stay open.
    soap->omode = (soap->omode & ~SOAP_IO) | SOAP_IO_STORE;
    soap->http_content = contentType;
    if (soap_response(soap, httpStatus == 200 ? SOAP_FILE : SOAP_FILE + httpStatus) ||
        (withBody && soap_send_raw(soap, body.data(), body.size())) || soap_end_send(soap))
        return soap->error;
    return SOAP_OK;
}

int respondError(struct soap* soap, ErrorCode code, bool withBody)
{
    HttpContext& context = contextOf(soap);
    context.record->error = makeError(code);
    return respond(soap, errorRow(code).httpStatus, "text/plain; charset=utf-8", plainError(code), withBody);
}

std::string_view pathOf(struct soap* soap)
{
    std::string_view path = soap->path;
    if (path.empty())
        return "/";
    return path;
}

int serveResource(struct soap* soap, bool withBody)
{
    HttpContext& context = contextOf(soap);
    const std::string_view path = pathOf(soap);
    context.record->operation = std::string(withBody ? "GET " : "HEAD ") + std::string(path.substr(0, 64));

    if (path == "/?wsdl" || path == "/?WSDL" || path == "/ocsmanager.wsdl")
        return respond(soap, 200, "text/xml; charset=utf-8", wsdlFor(soap, context), withBody);
    if (path == "/ocsmanager.xsd" || path == "/?xsd")
        return respond(soap, 200, "text/xml; charset=utf-8", std::string(kContractXsd), withBody);
    if (path == "/health") {
        const std::string body = "{\"status\":\"ok\",\"version\":\"" OCS_VERSION "\",\"sessions\":" +
                                 std::to_string(context.deps->authenticator.liveSessions()) + "}\n";
        return respond(soap, 200, "application/json", body, withBody);
    }
    if (path == "/metrics" && context.metrics)
        return respond(soap, 200, "text/plain; version=0.0.4; charset=utf-8", context.metrics->render(), withBody);
    return respondError(soap, ErrorCode::UnknownOperation, withBody);
}

int onGet(struct soap* soap)
{
    return serveResource(soap, true);
}

int onHead(struct soap* soap)
{
    return serveResource(soap, false);
}

int onOtherMethod(struct soap* soap)
{
    HttpContext& context = contextOf(soap);
    context.record->operation = "HTTP " + std::string(pathOf(soap).substr(0, 64));
    // The request body was not read: the connection cannot carry another.
    soap->keep_alive = 0;
    return respondError(soap, ErrorCode::MethodNotAllowed, true);
}

} // namespace

void installHttpHandlers(struct soap* soap, HttpContext& context)
{
    soap->user = &context;
    soap->fget = onGet;
    soap->fhead = onHead;
    soap->fput = onOtherMethod;
    soap->fpatch = onOtherMethod;
    soap->fdel = onOtherMethod;
    soap->fopt = onOtherMethod;
}

} // namespace ocs::daemon
