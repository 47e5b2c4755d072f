// The one boundary where errors become SOAP faults.
#pragma once

#include "common/result.hpp"

struct soap;

namespace ocs::service {

// Sets the context's fault from the error-table row: faultstring/Reason is
// the row's message, SOAP 1.2 carries the name as Subcode, and the detail is
// the typed ocs:Error element. Returns SOAP_FAULT.
int setFault(struct soap* soap, const Error& error);

// Classifies an error of the gSOAP engine (HTTP, XML, limits) as a row.
Error errorFromEngine(int soapError);

} // namespace ocs::service
