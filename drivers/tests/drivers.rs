//! Round trips over real pseudo-terminals (see the modules).
