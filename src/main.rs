fn main() {
    std::process::exit(platc::cli::main());
}
