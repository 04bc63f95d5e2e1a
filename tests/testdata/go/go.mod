module go2seccomp.test/fixtures

go 1.19
