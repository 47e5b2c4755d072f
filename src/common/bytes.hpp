// Byte buffers and a non-owning view over any of them, so the encoding and
// crypto helpers take keys (std::array), buffers (std::vector) and wire text
// (std::string) alike without copies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ocs {

using Bytes = std::vector<std::uint8_t>;

class ByteView {
  public:
    constexpr ByteView() = default;
    constexpr ByteView(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    ByteView(const Bytes& bytes) : data_(bytes.data()), size_(bytes.size()) {}
    template <std::size_t N>
    constexpr ByteView(const std::array<std::uint8_t, N>& bytes) : data_(bytes.data()), size_(N)
    {
    }
    ByteView(std::string_view text) : data_(reinterpret_cast<const std::uint8_t*>(text.data())), size_(text.size()) {}
    ByteView(const std::string& text) : ByteView(std::string_view(text)) {}
    ByteView(const char* text) : ByteView(std::string_view(text)) {}

    constexpr const std::uint8_t* data() const { return data_; }
    constexpr std::size_t size() const { return size_; }
    constexpr bool empty() const { return size_ == 0; }
    constexpr const std::uint8_t* begin() const { return data_; }
    constexpr const std::uint8_t* end() const { return data_ + size_; }

  private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

inline Bytes toBytes(ByteView view)
{
    return Bytes(view.begin(), view.end());
}

inline std::string toString(ByteView view)
{
    return std::string(reinterpret_cast<const char*>(view.data()), view.size());
}

} // namespace ocs
