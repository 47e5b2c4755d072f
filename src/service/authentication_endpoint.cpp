#include "service/authentication_endpoint.hpp"

#include "service/entry.hpp"
#include "service/soap_types.hpp"

#include <chrono>

namespace ocs::service {

AuthenticationEndpoint::AuthenticationEndpoint(struct soap* soap, Dependencies& deps, RequestRecord& record)
    : AuthenticationSoapService(soap), deps_(deps), record_(record)
{
}

AuthenticationEndpoint::~AuthenticationEndpoint()
{
    if (ownsContext_)
        soap_free(soap);
}

AuthenticationEndpoint* AuthenticationEndpoint::copy()
{
    struct soap* context = soap_copy(soap);
    if (!context)
        return nullptr;
    auto* endpoint = new AuthenticationEndpoint(context, deps_, record_);
    endpoint->ownsContext_ = true;
    return endpoint;
}

int AuthenticationEndpoint::GetToken(_ocs__GetToken* request, _ocs__GetTokenResponse& response)
{
    return serveOperation(soap, deps_, record_, "GetToken", Access::Public, [&](const auth::Principal*) -> Status {
        record_.account = request->login;
        auto token = deps_.authenticator.getToken(request->login, record_.peer);
        if (!token)
            return token.error();
        response.challenge = token->challenge;
        response.salt = toBase64Binary(soap, token->salt);
        response.iterations = token->iterations;
        response.mechanism = token->mechanism;
        response.ttl = static_cast<unsigned int>(token->ttl.count());
        return {};
    });
}

int AuthenticationEndpoint::Login(_ocs__Login* request, _ocs__LoginResponse& response)
{
    return serveOperation(soap, deps_, record_, "Login", Access::Public, [&](const auth::Principal*) -> Status {
        record_.account = request->login;
        auto grant = deps_.authenticator.login(request->login, request->challenge, toBytes(request->proof),
                                               record_.peer);
        if (!grant)
            return grant.error();
        response.session = grant->session;
        response.expires = std::chrono::system_clock::to_time_t(grant->expires);
        response.ttl = static_cast<unsigned int>(grant->ttl.count());
        response.serverSignature = toBase64Binary(soap, grant->serverSignature);
        return {};
    });
}

int AuthenticationEndpoint::Logout(_ocs__Logout* request, _ocs__LogoutResponse&)
{
    return serveOperation(soap, deps_, record_, "Logout", Access::Public, [&](const auth::Principal*) -> Status {
        auto caller = deps_.authenticator.session(request->session);
        if (caller)
            record_.account = caller->account;
        return deps_.authenticator.logout(request->session);
    });
}

} // namespace ocs::service
