#include "auth/account_record.hpp"

#include "auth/scram.hpp"
#include "common/binary.hpp"

#include <algorithm>
#include <optional>

namespace ocs::auth {
namespace {

constexpr std::uint8_t recordVersion = 1;

Error corrupt(std::string_view why)
{
    return makeError(ErrorCode::InternalError, {}, std::string(why));
}

template <std::size_t N> bool readKey(BinaryReader& reader, std::array<std::uint8_t, N>& key)
{
    const auto bytes = reader.raw(N);
    if (!bytes)
        return false;
    std::copy(bytes->begin(), bytes->end(), key.begin());
    return true;
}

std::optional<std::vector<std::string>> readStrings(BinaryReader& reader)
{
    const auto count = reader.u32();
    if (!count)
        return std::nullopt;
    std::vector<std::string> out;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto item = reader.string();
        if (!item)
            return std::nullopt;
        out.emplace_back(*item);
    }
    return out;
}

} // namespace

std::string encodeAccount(const Account& account)
{
    BinaryWriter writer;
    writer.u8(recordVersion);
    writer.string(account.salt);
    writer.u32(account.iterations);
    writer.raw(account.storedKey);
    writer.raw(account.serverKey);
    writer.u32(static_cast<std::uint32_t>(account.permissions.backends.size()));
    for (const std::string& backend : account.permissions.backends)
        writer.string(backend);
    writer.u32(static_cast<std::uint32_t>(account.permissions.eventTypes.size()));
    for (EventType type : account.permissions.eventTypes)
        writer.string(eventTypeName(type));
    return writer.data();
}

Result<Account> decodeAccount(std::string_view login, std::string_view record)
{
    BinaryReader reader(record);
    const auto version = reader.u8();
    if (!version)
        return corrupt("empty record");
    if (*version != recordVersion)
        return corrupt("unknown record version " + std::to_string(*version));

    Account account;
    account.login = std::string(login);
    const auto salt = reader.string();
    const auto iterations = reader.u32();
    if (!salt || !iterations || !readKey(reader, account.storedKey) || !readKey(reader, account.serverKey))
        return corrupt("truncated record");
    account.salt.assign(salt->begin(), salt->end());
    account.iterations = *iterations;
    if (account.iterations == 0 || account.iterations > scram::maxIterations)
        return corrupt("iteration count " + std::to_string(account.iterations) + " out of range");

    auto backends = readStrings(reader);
    auto events = readStrings(reader);
    if (!backends || !events)
        return corrupt("truncated record");
    if (!reader.atEnd())
        return corrupt("trailing bytes after the record");
    account.permissions.backends = std::move(*backends);
    for (const std::string& name : *events) {
        EventType type{};
        if (!parseEventType(name, type))
            return corrupt("unknown event type " + name);
        account.permissions.eventTypes.push_back(type);
    }
    return account;
}

} // namespace ocs::auth
