rootfeed --version
