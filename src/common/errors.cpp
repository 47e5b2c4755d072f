#include "common/errors.hpp"

#include <cstdlib>

namespace ocs {

const std::vector<ErrorRow>& errorTable()
{
    static const std::vector<ErrorRow> table = {
        {ErrorCode::MalformedRequest, 400, "MalformedRequest", "The request is not a valid SOAP message for this service",
         FaultRole::Sender, 400,
         "The body is not XML, is truncated, is not valid UTF-8, holds a NUL or a numeric character reference longer than 6 characters, carries a DTD, uses an unknown namespace or does not match the schema (missing or surplus elements)."},
        {ErrorCode::InvalidCredentials, 401, "InvalidCredentials", "Invalid credentials", FaultRole::Sender, 401,
         "Login: the proof does not verify, or the account does not exist."},
        {ErrorCode::InvalidSession, 403, "InvalidSession", "Access forbidden: the session is missing, unknown or expired",
         FaultRole::Sender, 403, "A call that needs the Session header came without a live session token."},
        {ErrorCode::AccessForbidden, 403, "AccessForbidden", "Access forbidden: the account may not report this",
         FaultRole::Sender, 403,
         "NewMail or Notify: the account's permissions do not include the event's backend or event type."},
        {ErrorCode::UnknownOperation, 404, "UnknownOperation", "No such operation or resource", FaultRole::Sender, 404,
         "The body names no operation of the services, or a GET asks for an unknown path."},
        {ErrorCode::MethodNotAllowed, 405, "MethodNotAllowed", "HTTP method not allowed", FaultRole::Sender, 405,
         "An HTTP method other than GET, HEAD or POST."},
        {ErrorCode::PayloadTooLarge, 413, "PayloadTooLarge", "The request exceeds a configured limit", FaultRole::Sender,
         413, "The XML is nested deeper than limits.max_depth, a field is longer than limits.max_field_length, a Notify batch has more than limits.max_occurs events, or the body is over limits.max_request_bytes (announced or once inflated; the connection is then closed, often before the answer can be read)."},
        {ErrorCode::InvalidParameter, 417, "InvalidParameter", "Invalid parameter", FaultRole::Sender, 400,
         "A field is empty, too long, not valid UTF-8, holds control characters or is malformed."},
        {ErrorCode::TooManyAttempts, 429, "TooManyAttempts", "Too many failed attempts; retry later", FaultRole::Sender,
         429, "GetToken or Login while the account or the source address is throttled after failed logins."},
        {ErrorCode::InvalidToken, 472, "InvalidToken", "Invalid token", FaultRole::Sender, 400,
         "Login: the challenge is unknown, already used, expired or was issued for another login."},
        {ErrorCode::UnknownBackend, 460, "UnknownBackend", "Unknown backend", FaultRole::Sender, 400,
         "NewMail or Notify names a backend that is not configured."},
        {ErrorCode::InternalError, 500, "InternalError", "Internal error", FaultRole::Receiver, 500,
         "An unexpected failure inside the service; the log has the detail."},
        {ErrorCode::StoreUnavailable, 503, "StoreUnavailable", "The queue store cannot record events right now",
         FaultRole::Receiver, 503,
         "The commit that would hold the events failed (disk full, read-only or damaged store): nothing of it was kept; retry later."},
    };
    return table;
}

const ErrorRow& errorRow(ErrorCode id)
{
    for (const ErrorRow& row : errorTable()) {
        if (row.id == id)
            return row;
    }
    std::abort(); // every enumerator has a row: error_table_test checks it
}

std::string_view faultRoleName(FaultRole role)
{
    return role == FaultRole::Sender ? "Sender" : "Receiver";
}

} // namespace ocs
