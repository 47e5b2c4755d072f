#include "auth/permissions.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ocs::auth {
namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 6> eventNames = {{
    {EventType::NewMail, "NewMail"},
    {EventType::ObjectCreated, "ObjectCreated"},
    {EventType::ObjectModified, "ObjectModified"},
    {EventType::ObjectDeleted, "ObjectDeleted"},
    {EventType::ObjectMoved, "ObjectMoved"},
    {EventType::ObjectCopied, "ObjectCopied"},
}};

} // namespace

std::string_view eventTypeName(EventType type)
{
    for (const auto& [value, name] : eventNames) {
        if (value == type)
            return name;
    }
    return {};
}

bool parseEventType(std::string_view name, EventType& out)
{
    for (const auto& [value, known] : eventNames) {
        if (known == name) {
            out = value;
            return true;
        }
    }
    return false;
}

// Exact match: whether backend names compare case-insensitively is for the
// backend configuration to decide, not for the permission check to guess.
bool Permissions::allowsBackend(std::string_view backend) const
{
    return std::any_of(backends.begin(), backends.end(),
                       [backend](const std::string& allowed) { return allowed == "*" || allowed == backend; });
}

bool Permissions::allowsEvent(EventType type) const
{
    return std::find(eventTypes.begin(), eventTypes.end(), type) != eventTypes.end();
}

} // namespace ocs::auth
