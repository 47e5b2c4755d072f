// The XML namespace table of the contract, compiled once for every program
// that links the SOAP layer. Both services share one table.
#include "NotificationSoap.nsmap"
