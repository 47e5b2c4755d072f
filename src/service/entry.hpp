// The single entry point of every SOAP operation: it names the operation for
// the log, resolves the Session header when the operation needs one, runs the
// body, and turns whatever Error the body returns into a fault. A handler body
// is only its business logic.
#pragma once

#include "auth/authenticator.hpp"
#include "service/fault.hpp"
#include "service/request.hpp"

#include "soapH.h"

#include <exception>
#include <new>
#include <string>

namespace ocs::service {

enum class Access { Public, Session };

inline int failRequest(struct soap* soap, RequestRecord& record, Error error)
{
    setFault(soap, error);
    record.error = std::move(error);
    return SOAP_FAULT;
}

// body: Status(const auth::Principal* caller); caller is null for Public.
template <typename Body>
int serveOperation(struct soap* soap, Dependencies& deps, RequestRecord& record, const char* operation, Access access,
                   Body&& body)
{
    record.operation = operation;
    const std::string* token = soap->header ? soap->header->ocs__Session : nullptr;
    // Nothing of the request header is echoed into the response.
    soap->header = nullptr;

    Result<auth::Principal> caller = makeError(ErrorCode::InvalidSession, "Session");
    if (access == Access::Session) {
        if (token)
            caller = deps.authenticator.session(*token);
        if (!caller)
            return failRequest(soap, record, caller.error());
        record.account = caller->account;
    }

    Status status;
    try {
        status = body(caller ? &*caller : nullptr);
    } catch (const std::bad_alloc&) {
        status = makeError(ErrorCode::InternalError, {}, "out of memory");
    } catch (const std::exception& e) {
        status = makeError(ErrorCode::InternalError, {}, e.what());
    }
    if (!status)
        return failRequest(soap, record, status.error());
    return SOAP_OK;
}

} // namespace ocs::service
