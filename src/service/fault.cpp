#include "service/fault.hpp"

#include "service/soap_types.hpp"

#include "soapH.h"

#include <string>

namespace ocs::service {

int setFault(struct soap* soap, const Error& error)
{
    const ErrorRow& row = error.row();
    const std::string message(row.message);
    const bool sender = row.role == FaultRole::Sender;
    // No envelope was read (the body was not SOAP): answer in SOAP 1.1.
    if (soap->version != 1 && soap->version != 2)
        soap_set_version(soap, 1);
    if (soap->version == 2) {
        const std::string subcode = "ocs:" + std::string(row.name);
        if (sender)
            soap_sender_fault_subcode(soap, subcode.c_str(), message.c_str(), nullptr);
        else
            soap_receiver_fault_subcode(soap, subcode.c_str(), message.c_str(), nullptr);
    } else if (sender) {
        soap_sender_fault(soap, message.c_str(), nullptr);
    } else {
        soap_receiver_fault(soap, message.c_str(), nullptr);
    }

    auto* detail = soap_new_ocs__ErrorDetail(soap);
    detail->code = row.code;
    detail->name = std::string(row.name);
    detail->message = message;
    if (!error.field.empty())
        detail->field = newString(soap, error.field);
    soap_faultdetail(soap);
    SOAP_ENV__Detail* holder = soap->version == 2 ? soap->fault->SOAP_ENV__Detail : soap->fault->detail;
    holder->ocs__Error = detail;
    holder->__any = nullptr;
    return soap->error = SOAP_FAULT;
}

Error errorFromEngine(int soapError)
{
    switch (soapError) {
    case SOAP_NO_METHOD:
        return makeError(ErrorCode::UnknownOperation);
    case SOAP_LENGTH:
    case SOAP_LEVEL:
        return makeError(ErrorCode::PayloadTooLarge, {}, "gSOAP error " + std::to_string(soapError));
    case SOAP_HTTP_METHOD:
    case SOAP_GET_METHOD:
    case SOAP_PUT_METHOD:
    case SOAP_PATCH_METHOD:
    case SOAP_DEL_METHOD:
        return makeError(ErrorCode::MethodNotAllowed);
    case SOAP_EOM:
    case SOAP_FATAL_ERROR:
        return makeError(ErrorCode::InternalError, {}, "gSOAP error " + std::to_string(soapError));
    default:
        return makeError(ErrorCode::MalformedRequest, {}, "gSOAP error " + std::to_string(soapError));
    }
}

} // namespace ocs::service
