module sre-policy/tools/crosscheck

go 1.22
