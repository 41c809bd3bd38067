// espeak-ng (vendored by espeak-rs-sys) is built against the system libsonic so that its
// CMake step needs no network; the final binary must then link sonic itself.
fn main() {
    println!("cargo:rustc-link-lib=sonic");
}
