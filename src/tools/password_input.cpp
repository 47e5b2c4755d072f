#include "tools/password_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

namespace ocs::tools {
namespace {

// Turns terminal echo off for its lifetime.
class EchoOff {
public:
    EchoOff()
    {
        active_ = tcgetattr(STDIN_FILENO, &saved_) == 0;
        if (!active_)
            return;
        termios quiet = saved_;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    ~EchoOff()
    {
        if (active_) {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
            std::cerr << '\n';
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

std::optional<std::string> firstLine(std::istream& in)
{
    std::string line;
    if (!std::getline(in, line))
        return std::nullopt;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

} // namespace

std::optional<std::string> readPassword(const std::string& file, std::string& error)
{
    std::optional<std::string> password;
    if (!file.empty()) {
        std::ifstream in(file);
        if (!in) {
            error = "cannot read password file " + file;
            return std::nullopt;
        }
        password = firstLine(in);
    } else if (isatty(STDIN_FILENO)) {
        std::cerr << "Password: " << std::flush;
        EchoOff quiet;
        password = firstLine(std::cin);
    } else {
        password = firstLine(std::cin);
    }
    if (!password || password->empty()) {
        error = "empty password";
        return std::nullopt;
    }
    return password;
}

} // namespace ocs::tools
