" rgp pipeline files
autocmd BufRead,BufNewFile *.rgp setfiletype rgp
