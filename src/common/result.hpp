// Explicit results: a value or an Error from the error table, never an
// exception across a module boundary.
#pragma once

#include "common/errors.hpp"

#include <string>
#include <utility>
#include <variant>

namespace ocs {

// One failure: the error-table row, the offending field (sent to the client
// in the fault detail), and an internal detail that goes to the log only.
struct Error {
    ErrorCode code = ErrorCode::InternalError;
    std::string field;
    std::string detail;

    const ErrorRow& row() const { return errorRow(code); }
};

inline Error makeError(ErrorCode code, std::string field = {}, std::string detail = {})
{
    return Error{code, std::move(field), std::move(detail)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() { return std::get<0>(state_); }
    const T& value() const { return std::get<0>(state_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

} // namespace ocs
