#include "service/notification_endpoint.hpp"

#include "service/entry.hpp"

#ifndef OCS_VERSION
#define OCS_VERSION "unknown"
#endif

namespace ocs::service {

NotificationEndpoint::NotificationEndpoint(struct soap* soap, Dependencies& deps, RequestRecord& record)
    : NotificationSoapService(soap), deps_(deps), record_(record)
{
}

NotificationEndpoint::~NotificationEndpoint()
{
    if (ownsContext_)
        soap_free(soap);
}

NotificationEndpoint* NotificationEndpoint::copy()
{
    struct soap* context = soap_copy(soap);
    if (!context)
        return nullptr;
    auto* endpoint = new NotificationEndpoint(context, deps_, record_);
    endpoint->ownsContext_ = true;
    return endpoint;
}

// NewMail and Notify check the session like every Notification call; the
// queue store that gives them something to do is not part of this release.
int NotificationEndpoint::NewMail(_ocs__NewMail*, _ocs__NewMailResponse&)
{
    return serveOperation(soap, deps_, record_, "NewMail", Access::Session,
                          [](const auth::Principal*) -> Status { return makeError(ErrorCode::OperationNotAvailable); });
}

int NotificationEndpoint::Notify(_ocs__Notify*, _ocs__NotifyResponse&)
{
    return serveOperation(soap, deps_, record_, "Notify", Access::Session,
                          [](const auth::Principal*) -> Status { return makeError(ErrorCode::OperationNotAvailable); });
}

int NotificationEndpoint::Ping(_ocs__Ping*, _ocs__PingResponse& response)
{
    return serveOperation(soap, deps_, record_, "Ping", Access::Public, [&](const auth::Principal*) -> Status {
        response.version = OCS_VERSION;
        return {};
    });
}

} // namespace ocs::service
