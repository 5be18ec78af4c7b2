// Package cn holds the Chinese national identifier formats and money wording that forms and rules use.
//
// Everything here is a pure function of its arguments: no clock, no files, no network.
// Validators answer yes or no; ParseIDNumber also says why a number is wrong, in Chinese,
// because that text reaches applicants through form validation messages.
package cn
