module github.com/wxsign/wxsign

go 1.26
