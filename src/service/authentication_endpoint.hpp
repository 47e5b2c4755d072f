// The Authentication service (GetToken, Login, Logout) on one worker's
// context: translation between the generated types and auth::Authenticator.
#pragma once

#include "service/request.hpp"

#include "soapAuthenticationSoapService.h"

namespace ocs::service {

class AuthenticationEndpoint final : public AuthenticationSoapService {
public:
    AuthenticationEndpoint(struct soap* soap, Dependencies& deps, RequestRecord& record);
    ~AuthenticationEndpoint() override;

    // gSOAP's copy(): the same endpoint on a copy of the context, for serving
    // on another thread. The copy owns its context.
    AuthenticationEndpoint* copy() override;

    // The generated dispatch() re-initialises the context on every call,
    // resetting the namespace table after the request has chosen its SOAP
    // version (the answer to SOAP 1.1 would then mix in SOAP 1.2). The
    // context is set up once by the constructor; dispatch leaves it alone.
    void AuthenticationSoapService_init(soap_mode, soap_mode) override {}

    int GetToken(_ocs__GetToken* request, _ocs__GetTokenResponse& response) override;
    int Login(_ocs__Login* request, _ocs__LoginResponse& response) override;
    int Logout(_ocs__Logout* request, _ocs__LogoutResponse& response) override;

private:
    Dependencies& deps_;
    RequestRecord& record_;
    bool ownsContext_ = false;
};

} // namespace ocs::service
