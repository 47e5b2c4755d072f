// The error table: the one source of every fault the service sends.
// doc/errors.md publishes it; tests/unit/common/error_table_test.cpp fails
// when the two differ.
#pragma once

#include <string_view>
#include <vector>

namespace ocs {

enum class ErrorCode {
    MalformedRequest,
    InvalidCredentials,
    InvalidSession,
    AccessForbidden,
    UnknownOperation,
    MethodNotAllowed,
    PayloadTooLarge,
    InvalidParameter,
    TooManyAttempts,
    InvalidToken,
    UnknownBackend,
    InternalError,
    StoreUnavailable,
};

enum class FaultRole { Sender, Receiver };

struct ErrorRow {
    ErrorCode id;
    int code;                 // numeric code in the fault detail
    std::string_view name;    // stable name in the fault detail and logs
    std::string_view message; // human message (faultstring / Reason)
    FaultRole role;           // SOAP 1.1 Client/Server, SOAP 1.2 Sender/Receiver
    int httpStatus;           // status of a plain-HTTP answer
    std::string_view when;    // what produces it (documentation)
};

const std::vector<ErrorRow>& errorTable();
const ErrorRow& errorRow(ErrorCode id);
std::string_view faultRoleName(FaultRole role);

} // namespace ocs
