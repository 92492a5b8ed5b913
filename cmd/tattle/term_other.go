//go:build !linux

package main

func terminalWidth() int { return 0 }
