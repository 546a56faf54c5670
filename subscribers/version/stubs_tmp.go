package version

func comparePEP440(a, b string) (int, bool) { return 0, false }
func compareMaven(a, b string) (int, bool)  { return 0, false }
func compareDebian(a, b string) (int, bool) { return 0, false }
func compareRPM(a, b string) (int, bool)    { return 0, false }
