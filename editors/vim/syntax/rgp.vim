" Vim syntax file
" Language:    rgp pipelines (*.rgp)
" Maintainer:  the rgp project
" The word lists are the lexer's keywords (dsl/lexer.re), the scalar types
" (compiler/types.h) and the functions and aggregates (compiler/builtins.h);
" tests/editors.sh fails when they drift apart.

if exists("b:current_syntax")
  finish
endif

syn keyword rgpDeclaration schema source stage sink route table options test
syn keyword rgpKeyword     with if else by state emit let group dedup on window every delta
syn keyword rgpKeyword     throttle sample limit sort top join input expect as from where select for lateness
syn keyword rgpOperator    and or not
syn keyword rgpBoolean     true false
syn keyword rgpFunction    abs sqrt log exp pow floor ceil round len contains starts_with ends_with
syn keyword rgpFunction    upper lower trim substr part parse_i64 parse_f64 iso trunc parse_time
syn keyword rgpFunction    format_time hash coalesce matches capture replace fixed env
syn keyword rgpFunction    count sum avg min max first last var stddev p50 p90 p95 p99 p999
syn keyword rgpType        bool i32 i64 u32 u64 f64 str time

syn match   rgpNumber      "\<\d\+\(\.\d\+\)\=\([eE][+-]\=\d\+\)\=\>"
syn match   rgpPunct       "<-\||"
syn match   rgpEscape      +\\[\\"ntr]+ contained
syn region  rgpString      start=+"+ skip=+\\.+ end=+"+ oneline contains=rgpEscape
" a text block, """ to """ over any number of lines (test inputs and expectations)
syn region  rgpText        start=+"""+ end=+"""+
syn match   rgpComment     "#.*$" contains=rgpTodo,@Spell
syn keyword rgpTodo        TODO FIXME XXX contained

hi def link rgpDeclaration Structure
hi def link rgpKeyword     Keyword
hi def link rgpOperator    Operator
hi def link rgpBoolean     Boolean
hi def link rgpFunction    Function
hi def link rgpType        Type
hi def link rgpNumber      Number
hi def link rgpPunct       Operator
hi def link rgpEscape      SpecialChar
hi def link rgpString      String
hi def link rgpText        String
hi def link rgpComment     Comment
hi def link rgpTodo        Todo

let b:current_syntax = "rgp"
