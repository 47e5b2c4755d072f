// The Notification service (NewMail, Notify, Ping) on one worker's context.
#pragma once

#include "service/request.hpp"

#include "soapNotificationSoapService.h"

namespace ocs::service {

class NotificationEndpoint final : public NotificationSoapService {
public:
    NotificationEndpoint(struct soap* soap, Dependencies& deps, RequestRecord& record);
    ~NotificationEndpoint() override;

    // gSOAP's copy(): the same endpoint on a copy of the context, for serving
    // on another thread. The copy owns its context.
    NotificationEndpoint* copy() override;

    // The generated dispatch() re-initialises the context on every call,
    // resetting the namespace table after the request has chosen its SOAP
    // version (the answer to SOAP 1.1 would then mix in SOAP 1.2). The
    // context is set up once by the constructor; dispatch leaves it alone.
    void NotificationSoapService_init(soap_mode, soap_mode) override {}

    int NewMail(_ocs__NewMail* request, _ocs__NewMailResponse& response) override;
    int Notify(_ocs__Notify* request, _ocs__NotifyResponse& response) override;
    int Ping(_ocs__Ping* request, _ocs__PingResponse& response) override;

private:
    Dependencies& deps_;
    RequestRecord& record_;
    bool ownsContext_ = false;
};

} // namespace ocs::service
