#include "common/binary.hpp"

namespace ocs {

void BinaryWriter::u8(std::uint8_t value)
{
    data_.push_back(static_cast<char>(value));
}

namespace {

template <typename T>
void putBigEndian(BinaryWriter& out, T value)
{
    for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8)
        out.u8(static_cast<std::uint8_t>(value >> shift));
}

template <typename T>
std::optional<T> getBigEndian(BinaryReader& in)
{
    const auto bytes = in.raw(sizeof(T));
    if (!bytes)
        return std::nullopt;
    T value = 0;
    for (char c : *bytes)
        value = static_cast<T>((value << 8) | static_cast<std::uint8_t>(c));
    return value;
}

} // namespace

void BinaryWriter::u16(std::uint16_t value)
{
    putBigEndian(*this, value);
}

void BinaryWriter::u32(std::uint32_t value)
{
    putBigEndian(*this, value);
}

void BinaryWriter::u64(std::uint64_t value)
{
    putBigEndian(*this, value);
}

void BinaryWriter::raw(ByteView bytes)
{
    data_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void BinaryWriter::string(ByteView bytes)
{
    u32(static_cast<std::uint32_t>(bytes.size()));
    raw(bytes);
}

std::optional<std::uint8_t> BinaryReader::u8()
{
    const auto bytes = raw(1);
    if (!bytes)
        return std::nullopt;
    return static_cast<std::uint8_t>((*bytes)[0]);
}

std::optional<std::uint16_t> BinaryReader::u16()
{
    return getBigEndian<std::uint16_t>(*this);
}

std::optional<std::uint32_t> BinaryReader::u32()
{
    return getBigEndian<std::uint32_t>(*this);
}

std::optional<std::uint64_t> BinaryReader::u64()
{
    return getBigEndian<std::uint64_t>(*this);
}

std::optional<std::string_view> BinaryReader::raw(std::size_t size)
{
    if (data_.size() < size)
        return std::nullopt;
    const std::string_view out = data_.substr(0, size);
    data_.remove_prefix(size);
    return out;
}

std::optional<std::string_view> BinaryReader::string()
{
    const auto size = u32();
    if (!size)
        return std::nullopt;
    return raw(*size);
}

} // namespace ocs
