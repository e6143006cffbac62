"""Spanish and Japanese phrasing for the most common issues (same shape as ``i18n_fr_de``)."""

from __future__ import annotations

ES = {
    "AUTH-SESSION-EXPIRY": "Lumen me cierra la sesión continuamente | la sesión caduca cada"
    " pocos minutos | tengo que iniciar sesión dos veces para que cargue algo || empezó tras"
    " la última actualización | usamos {ver} con {browser}",
    "AUTH-SSO-SAML-ERROR": "el inicio de sesión SSO falla con ERR_SSO_4012 | no podemos"
    " entrar a través de nuestro proveedor de identidad | el SAML devuelve un error en vez de"
    " iniciar sesión || renovamos el certificado del IdP la semana pasada | afecta a toda la"
    " empresa",
    "AUTH-MFA-CODE-REJECTED": "el código MFA siempre aparece como inválido | la app de"
    " autenticación genera códigos que no funcionan | no consigo pasar la verificación en dos"
    " pasos || la hora del móvil está sincronizada | tras tres intentos se bloquea la cuenta",
    "INGEST-SYNC-DELAY": "las sincronizaciones van con horas de retraso | el conector se queda"
    " en «sincronizando» para siempre | los paneles muestran los datos de ayer || la página"
    " de estado dice «en cola» | no hemos cambiado nada por nuestra parte",
    "INGEST-CSV-ENCODING": "al importar el CSV se rompen las tildes | la «ñ» aparece como"
    " símbolos raros | los caracteres especiales se corrompen al subir el archivo || el"
    " archivo está en UTF-8 | la vista previa se ve bien",
    "DASH-SLOW-LOAD": "los paneles van lentísimos | cargar un panel tarda más de 30 segundos"
    " | los widgets se quedan cargando sin fin || nuestro panel principal tiene {n} widgets"
    " | los lunes por la mañana es peor",
    "DASH-FILTER-RESET": "los filtros se reinician al cambiar de pestaña | pierdo los filtros"
    " cada vez que recargo | el rango de fechas vuelve siempre a «últimos 7 días»"
    " || pasa {when_es} | incluso los filtros fijados se pierden",
    "DASH-TIMEZONE-MISMATCH": "los gráficos muestran la hora en UTC y no en nuestra zona"
    " horaria | las horas están desfasadas dos horas | los totales diarios no cuadran"
    " || el espacio de trabajo está en Europe/Madrid | en la exportación las horas son"
    " correctas",
    "API-RATE-LIMIT-429": "la API devuelve constantemente 429 | nos limitan muy por debajo de"
    " la cuota documentada | nuestra integración está siempre estrangulada || enviamos unas"
    " {n} peticiones por minuto | es la API v3",
    "MOBILE-IOS-CRASH-LAUNCH": "la app de iOS se cierra nada más abrirla | la aplicación se"
    " cae justo después de la pantalla de inicio | no puedo abrir Lumen en el iPhone"
    " || iPhone con {os}, versión {ver} | reinstalarla no sirvió de nada",
    "MOBILE-LOGIN-LOOP": "la app móvil se queda en un bucle de inicio de sesión | después de"
    " Face ID vuelvo a la pantalla de acceso | el login en el móvil nunca termina"
    " || {device} con {os} | en la web funciona",
    "REPORT-SCHEDULE-MISSED": "los informes programados no se enviaron | el informe semanal"
    " nunca llegó | nadie recibió el PDF esta mañana || el historial dice «error de entrega»"
    " | las demás programaciones funcionaron",
    "REPORT-PDF-LAYOUT": "la exportación a PDF corta las tablas anchas | faltan las columnas"
    " de la derecha en el PDF | los gráficos se superponen en el PDF || la tabla tiene {n}"
    " columnas | en la vista previa del navegador está bien",
    "BILLING-DOUBLE-CHARGE": "nos han cobrado dos veces este mes | la factura se pagó por"
    " duplicado | en la tarjeta aparece el mismo cargo dos veces || los dos importes son"
    " iguales | lo detectó nuestro departamento financiero",
    "BILLING-INVOICE-VAT": "nuestro NIF-IVA no aparece en la factura | falta la mención de"
    " inversión del sujeto pasivo | nos cobran IVA aunque estamos registrados || el número"
    " está en la configuración de facturación | contabilidad rechaza la factura",
}

JA = {
    "AUTH-SESSION-EXPIRY": "Lumenから何度もログアウトされます | 数分ごとにセッションが切れます"
    " | 画面を開くたびにログインを求められます || 前回のアップデート後から発生しています"
    " | {browser}で{ver}を使っています",
    "AUTH-SSO-SAML-ERROR": "SSOでログインするとERR_SSO_4012のエラーになります"
    " | IdP経由でログインできなくなりました | SAMLログインが失敗します"
    " || 先週IdPの証明書を更新しました | 全社員が影響を受けています",
    "AUTH-MFA-CODE-REJECTED": "MFAコードが毎回無効と表示されます | 認証アプリのコードが通りません"
    " | 二段階認証を突破できません || スマホの時刻は同期済みです "
    "| 3回失敗するとアカウントがロックされます",
    "INGEST-SYNC-DELAY": "データ同期が数時間遅れています | コネクタが「同期中」のまま止まっています"
    " | ダッシュボードに昨日の数字しか出ません || ステータス画面は「待機中」です"
    " | こちらでは何も変更していません",
    "INGEST-CSV-ENCODING": "CSVをインポートすると文字化けします | 日本語の社名が化けてしまいます"
    " | 特殊文字が壊れます || ファイルはUTF-8で保存しています | プレビューでは正常に見えます",
    "DASH-SLOW-LOAD": "ダッシュボードの表示が非常に遅いです | 読み込みに30秒以上かかります"
    " | ウィジェットがずっと読み込み中のままです |"
    "| メインのダッシュボードには{n}個のウィジェットがあります"
    " | 月曜の朝が特にひどいです",
    "DASH-FILTER-RESET": "タブを切り替えるとフィルターがリセットされます "
    "| 再読み込みするたびにフィルターが消えます"
    " | 期間が「過去7日間」に戻ってしまいます |"
    "| 固定したフィルターも消えます | {ver}を使用しています",
    "DASH-TIMEZONE-MISMATCH": "グラフの時刻が日本時間ではなくUTCで表示されます"
    " | 時間が9時間ずれています | 日次の合計が合いません "
    "|| ワークスペースはAsia/Tokyoに設定済みです"
    " | エクスポートでは正しい時刻です",
    "API-RATE-LIMIT-429": "APIが頻繁に429エラーを返します "
    "| ドキュメントの上限よりずっと少ない回数で制限されます"
    " | 連携処理が常にスロットリングされます |"
    "| 1分あたり約{n}リクエストです | v3 APIを使っています",
    "MOBILE-IOS-CRASH-LAUNCH": "iOSアプリが起動直後に落ちます "
    "| スプラッシュ画面の後にアプリが終了します"
    " | iPhoneでLumenが開けません || {os}のiPhone、"
    "バージョン{ver}です | 再インストールしても直りません",
    "MOBILE-LOGIN-LOOP": "モバイルアプリがログイン画面に戻ってしまいます "
    "| Face IDの後にまたログイン画面になります"
    " | スマホでログインが完了しません || {device}、{os}です | Web版では問題ありません",
    "REPORT-SCHEDULE-MISSED": "スケジュールしたレポートが送信されていません "
    "| 週次レポートが届きませんでした"
    " | 今朝は誰にもPDFが届いていません || 履歴には「配信エラー」と表示されています"
    " | 他のスケジュールは正常でした",
    "REPORT-PDF-LAYOUT": "PDFエクスポートで表が途中で切れます | PDFで右側の列が欠けています"
    " | エクスポートしたPDFでグラフが重なります |"
    "| 表は{n}列あります | ブラウザのプレビューでは問題ありません",
    "BILLING-DOUBLE-CHARGE": "今月、二重に請求されました | 同じ請求書が2回支払われています"
    " | カードに同じ金額の請求が2件あります || 金額はまったく同じです | 経理担当が気づきました",
    "BILLING-INVOICE-VAT": "請求書に当社の登録番号が記載されていません "
    "| 請求書の会社情報が間違っています"
    " | インボイス制度の登録番号が反映されません || 請求設定には番号を入力済みです"
    " | 経理から請求書を差し戻されました",
}
