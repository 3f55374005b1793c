package vecfit

//go:generate go run -C asm . -out ../dist_amd64.s -stubs ../dist_amd64.go -pkg vecfit
