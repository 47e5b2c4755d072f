#include "common/event_type.hpp"

#include <array>
#include <utility>

namespace ocs {
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

bool isMoveOrCopy(EventType type)
{
    return type == EventType::ObjectMoved || type == EventType::ObjectCopied;
}

bool bringsMessage(EventType type)
{
    return type == EventType::NewMail || type == EventType::ObjectCreated || isMoveOrCopy(type);
}

} // namespace ocs
