//! Who is asking: the OS's word, or a sign-in (remembered or typed).
